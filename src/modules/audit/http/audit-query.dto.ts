import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { INSTANT_OR_DATE, instantMessage, integer, plusOffset } from '../../../common/http/query-params';
import { CalendarFiltersDto } from '../../calendar/list-events/calendar-query.dto';

/** GET /v1/audit/calendar: GET /v1/events's filters, at a recorded instant. */
export class AuditCalendarDto extends CalendarFiltersDto {
  @Transform(plusOffset)
  @IsString({ message: 'asOf is required' })
  @Matches(INSTANT_OR_DATE, { message: instantMessage('asOf') })
  asOf!: string;

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
}

/** Filters of GET /v1/audit/log and /export; from/to are RECORDED time (from inclusive, to exclusive). */
export class AuditLogFiltersDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  type?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  actor?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  stream?: string;

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
}

export class AuditLogDto extends AuditLogFiltersDto {
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,18}$/, { message: "after must be a log position (a non-negative integer, e.g. the previous page's nextAfter)" })
  after?: string;

  @IsOptional()
  @IsString()
  @Matches(/^(\d{1,18}|end)$/, { message: "before must be a log position (e.g. the next page's prevBefore) or end (the latest entries)" })
  before?: string;

  @IsOptional()
  @Transform(integer)
  @IsInt({ message: 'limit must be an integer from 1 to 1000' })
  @Min(1)
  @Max(1000)
  limit?: number;
}
