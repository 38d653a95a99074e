import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO31661Alpha2, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { INSTANT_OR_DATE, instantMessage, integer, plusOffset } from '../../../common/http/query-params';
import { PROGRAMMES, Programme } from '../../scheduling/domain/events';
import type { StatusFilter } from '../read-model/calendar.read-model';

const upper = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.toUpperCase() : value);

/** Filters shared by GET /v1/events and GET /v1/calendar.ics (the same names and meaning in both). */
export class CalendarFiltersDto {
  @IsOptional()
  @Transform(plusOffset)
  @IsString()
  @Matches(INSTANT_OR_DATE, { message: instantMessage('from') })
  from?: string;

  @IsOptional()
  @Transform(plusOffset)
  @IsString()
  @Matches(INSTANT_OR_DATE, { message: instantMessage('to') })
  to?: string;

  @IsOptional()
  @Transform(upper)
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code such as CN or KR' })
  country?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  city?: string;

  @IsOptional()
  @IsIn(PROGRAMMES, { message: `programme must be one of: ${PROGRAMMES.join(', ')}` })
  programme?: Programme;

  @IsOptional()
  @IsIn(['scheduled', 'cancelled', 'all'], { message: 'status must be one of: scheduled, cancelled, all' })
  status?: StatusFilter;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  q?: string;
}

export class ListEventsDto extends CalendarFiltersDto {
  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'limit must be an integer from 1 to 500' })
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  cursor?: string;

  /** true (default): a series' instances, one item each; false: single events and series (with `recurrence`). */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'singleEvents must be true or false' })
  singleEvents?: 'true' | 'false';

  /** Malformed values are a 410, not a 400 (see decodeSyncToken): only the type is checked here. */
  @IsOptional()
  @IsString()
  syncToken?: string;
}
