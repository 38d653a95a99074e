import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO31661Alpha2, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { PROGRAMMES, Programme } from '../domain/events';
import type { EventTime } from '../domain/time';
import { AllDayTime, TimedTime, eventTime } from '../event-representation.schemas';
import { IsEventTime } from './event-time.validator';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIanaTimeZone } from './time-zone.validator';

export class LocationDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  city!: string;

  /** ISO 3166-1 alpha-2, upper case. */
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code such as CN or KR' })
  country!: string;

  @IsOptional()
  @IsString()
  @MaxLength(300)
  venue?: string | null;
}

export class PartialLocationDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(120)
  city?: string;

  @IsOptional()
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code such as CN or KR' })
  country?: string;

  @IsOptional()
  @IsString()
  @MaxLength(300)
  venue?: string | null;
}

@ApiExtraModels(AllDayTime, TimedTime)
export class ScheduleEventDto {
  /** Optional client-chosen id, so a client can retry a create without duplicating it. */
  @IsOptional()
  @IsUUID()
  id?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string;

  @IsOptional()
  @IsIn(PROGRAMMES, { message: `programme must be one of ${PROGRAMMES.join(', ')}` })
  programme?: Programme | null;

  @IsObject()
  @ValidateNested()
  @Type(() => LocationDto)
  location!: LocationDto;

  @IsOptional()
  @IsIanaTimeZone()
  timeZone?: string;

  @IsEventTime()
  @eventTime({ date: '2013-10-22' })
  start!: EventTime;

  @IsEventTime()
  @eventTime({ date: '2013-10-25' }, 'the last day (all-day, inclusive) or the end time; the same form as start')
  end!: EventTime;

  @ApiPropertyOptional({
    type: [String],
    description:
      "a recurring series: one RFC 5545 RRULE (FREQ DAILY, WEEKLY, MONTHLY or YEARLY; INTERVAL, COUNT ≤ 730, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, WKST) and any EXDATE/RDATE lines, expanded at start's wall clock in timeZone",
    example: ['RRULE:FREQ=WEEKLY;BYDAY=TU', 'EXDATE;TZID=Europe/Berlin:20261013T090000'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  recurrence?: string[];
}

export class ChangeEventDetailsDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title?: string;

  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string;

  @IsOptional()
  @IsIn([...PROGRAMMES, null], { message: `programme must be one of ${PROGRAMMES.join(', ')} or null` })
  programme?: Programme | null;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PartialLocationDto)
  location?: PartialLocationDto;
}

export class RescheduleEventDto {
  @IsEventTime()
  @eventTime({ date: '2013-10-23' })
  start!: EventTime;

  @IsEventTime()
  @eventTime({ date: '2013-10-26' }, 'the last day (all-day, inclusive) or the end time; the same form as start')
  end!: EventTime;

  @IsOptional()
  @IsIanaTimeZone()
  timeZone?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

/**
 * "This and following": the new series takes the series' details and times unless the body
 * changes them (details as on PATCH; times as on reschedule, start and end together), all in
 * the split's one write.
 */
export class SplitSeriesDto extends ChangeEventDetailsDto {
  /** Optional client-chosen id of the new series, so a retry does not split twice. */
  @IsOptional()
  @IsUUID()
  id?: string;

  @ValidateIf((o: SplitSeriesDto) => o.start !== undefined || o.end !== undefined)
  @IsEventTime()
  @eventTime({ dateTime: '2014-03-17T14:00' }, "the new series' first start (optional; with end): the same form as on reschedule", false)
  start?: EventTime;

  @ValidateIf((o: SplitSeriesDto) => o.start !== undefined || o.end !== undefined)
  @IsEventTime()
  @eventTime({ dateTime: '2014-03-17T16:00' }, 'its end (optional; with start)', false)
  end?: EventTime;

  @IsOptional()
  @IsIanaTimeZone()
  timeZone?: string;
}

export class ChangeRecurrenceDto {
  @ApiProperty({
    type: [String],
    description: "the series' new rule: one RRULE and any EXDATE/RDATE lines, as on schedule; instances the new rule no longer makes lose their overrides",
    example: ['RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=10'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  recurrence!: string[];

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class CancelEventDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason!: string;
}
