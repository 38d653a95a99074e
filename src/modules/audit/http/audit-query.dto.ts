import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CalendarFiltersDto, INSTANT_OR_DATE } from '../../calendar/list-events/calendar-query.dto';

const instantMessage = (field: string) => `${field} must be a date YYYY-MM-DD or an ISO-8601 instant with offset, such as 2013-10-22T00:00:00Z`;
// An unencoded `+` in a query string arrives as a space: `...T09:00:00 09:00` means `+09:00`.
const plusOffset = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.replace(/ (\d{2}:?\d{2})$/, '+$1') : value);
// Strict integers only: class-transformer's Number('') would be 0 and Number('1e2') 100.
const integer = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value);

/** GET /v1/audit/calendar: GET /v1/events's filters, at a recorded instant. */
export class AuditCalendarDto extends CalendarFiltersDto {
  @Transform(plusOffset) @IsString({ message: 'asOf is required' }) @Matches(INSTANT_OR_DATE, { message: instantMessage('asOf') })
  asOf!: string;

  @IsOptional() @Transform(integer) @IsInt({ message: 'limit must be an integer from 1 to 500' }) @Min(1) @Max(500)
  limit?: number;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000)
  cursor?: string;
}

/** Filters of GET /v1/audit/log and /export; from/to are RECORDED time (from inclusive, to exclusive). */
export class AuditLogFiltersDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200)
  type?: string;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200)
  actor?: string;

  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(300)
  stream?: string;

  @IsOptional() @Transform(plusOffset) @IsString() @Matches(INSTANT_OR_DATE, { message: instantMessage('from') })
  from?: string;

  @IsOptional() @Transform(plusOffset) @IsString() @Matches(INSTANT_OR_DATE, { message: instantMessage('to') })
  to?: string;
}

export class AuditLogDto extends AuditLogFiltersDto {
  @IsOptional() @IsString() @Matches(/^\d{1,18}$/, { message: 'after must be a log position (a non-negative integer, e.g. the previous page\'s nextAfter)' })
  after?: string;

  @IsOptional() @Transform(integer) @IsInt({ message: 'limit must be an integer from 1 to 1000' }) @Min(1) @Max(1000)
  limit?: number;
}
