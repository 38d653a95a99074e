import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO31661Alpha2, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PROGRAMMES, Programme } from '../../scheduling/domain/events';
import type { StatusFilter } from '../read-model/calendar.read-model';

/** A bare date, or an instant WITH its offset: a zone-less date-time would be ambiguous. */
export const INSTANT_OR_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const instantMessage = (field: string) => `${field} must be a date YYYY-MM-DD or an ISO-8601 instant with offset, such as 2013-10-22T00:00:00Z`;

// An unencoded `+` in a query string arrives as a space: `...T09:00:00 09:00` means `+09:00`.
const plusOffset = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.replace(/ (\d{2}:?\d{2})$/, '+$1') : value);
const upper = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.toUpperCase() : value);
// Strict integers only: class-transformer's Number('') would be 0 and Number('1e2') 100.
const integer = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value);

/** Filters shared by GET /v1/events and GET /v1/calendar.ics (the same names and meaning in both). */
export class CalendarFiltersDto {
  @IsOptional() @Transform(plusOffset) @IsString() @Matches(INSTANT_OR_DATE, { message: instantMessage('from') })
  from?: string;

  @IsOptional() @Transform(plusOffset) @IsString() @Matches(INSTANT_OR_DATE, { message: instantMessage('to') })
  to?: string;

  @IsOptional() @Transform(upper) @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code such as CN or KR' })
  country?: string;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(120)
  city?: string;

  @IsOptional() @IsIn(PROGRAMMES, { message: `programme must be one of: ${PROGRAMMES.join(', ')}` })
  programme?: Programme;

  @IsOptional() @IsIn(['scheduled', 'cancelled', 'all'], { message: 'status must be one of: scheduled, cancelled, all' })
  status?: StatusFilter;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200)
  q?: string;
}

export class ListEventsDto extends CalendarFiltersDto {
  @IsOptional() @Transform(integer) @IsInt({ message: 'limit must be an integer from 1 to 500' }) @Min(1) @Max(500)
  limit?: number;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000)
  cursor?: string;

  /** Malformed values are a 410, not a 400 (see decodeSyncToken): only the type is checked here. */
  @IsOptional() @IsString()
  syncToken?: string;
}
