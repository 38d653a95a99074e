import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { PROGRAMMES } from './domain/events';

/**
 * OpenAPI shapes of what the events routes send and receive. The DTOs (dto.ts) validate
 * requests; these classes only describe responses and the two forms of a time.
 */
/** An all-day time: `end.date` is the last day, inclusive. */
export class AllDayTime {
  @ApiProperty({ format: 'date', example: '2013-10-22' }) date!: string;
}

/** A timed time: wall-clock time in the event's `timeZone`, no offset. */
export class TimedTime {
  @ApiProperty({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?$', example: '2026-03-28T18:00' }) dateTime!: string;
}

/** `start`/`end`: one of the two forms, the same for both ends. */
export const eventTime = (example: object, description = 'all-day `{"date"}` or timed `{"dateTime"}`; both ends use the same form', required = true) =>
  ApiProperty({ description, example, required, oneOf: [{ $ref: getSchemaPath(AllDayTime) }, { $ref: getSchemaPath(TimedTime) }] });

export class LocationSchema {
  @ApiProperty({ example: 'Seoul' }) city!: string;
  @ApiProperty({ description: 'ISO 3166-1 alpha-2', example: 'KR' }) country!: string;
  @ApiProperty({ type: String, nullable: true, example: 'COEX' }) venue!: string | null;
}

/** The representation every events route answers with. */
@ApiExtraModels(AllDayTime, TimedTime)
export class EventSchema {
  @ApiProperty({ format: 'uuid', example: '0d4ff43d-2fe2-4cac-9d19-90df1b187cd9' }) id!: string;
  @ApiProperty({ enum: ['scheduled', 'cancelled'], example: 'scheduled' }) status!: string;
  @ApiProperty({ example: '7th International Conference on Theory and Practice of Electronic Governance' }) title!: string;
  @ApiProperty({ example: '' }) description!: string;
  @ApiProperty({ enum: PROGRAMMES, nullable: true, example: 'communication-information' }) programme!: string | null;
  @ApiProperty({ type: LocationSchema }) location!: LocationSchema;
  @ApiProperty({ description: 'IANA time zone (derived from the place when not given)', example: 'Asia/Seoul' }) timeZone!: string;
  @eventTime({ date: '2013-10-22' }) start!: AllDayTime | TimedTime;
  @eventTime({ date: '2013-10-25' }) end!: AllDayTime | TimedTime;
  @ApiProperty({ format: 'date-time', description: 'UTC instant of the start (all-day: local midnight of the first day)', example: '2013-10-21T15:00:00Z' }) startsAt!: string;
  @ApiProperty({ format: 'date-time', description: 'UTC instant of the end (all-day: local midnight after the last day)', example: '2013-10-25T15:00:00Z' }) endsAt!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) cancelReason!: string | null;
  @ApiProperty({ description: 'the stream version, also the ETag', example: 1 }) version!: number;
}

export class EventPreviewSchema {
  @ApiProperty({ type: EventSchema, description: 'as it would be scheduled (version 0)' }) event!: EventSchema;
  @ApiProperty({ type: [EventSchema], description: "a series' first instances from its start (empty for a single event)" }) instances!: EventSchema[];
  @ApiProperty({ description: 'the series has instances after those listed' }) more!: boolean;
}

export class EventPageSchema {
  @ApiProperty({ type: [EventSchema] }) items!: EventSchema[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `cursor` for the next page; null on the last', example: null }) nextCursor!: string | null;
  @ApiPropertyOptional({ description: 'on the last page only: pass as `syncToken` later to get what changed since' }) nextSyncToken?: string;
}

export class EventMetadataSchema {
  @ApiProperty({ example: 'alice' }) actor!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty() causationId!: string;
  @ApiPropertyOptional() idempotencyKey?: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
}

/** One stored event of the log, as the history and the audit log show it. */
export class StoredEventSchema {
  @ApiProperty({ description: 'global log position (a decimal string: a bigint)', example: '1' }) position!: string;
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'calendar-event-0d4ff43d-2fe2-4cac-9d19-90df1b187cd9' }) streamId!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'EventScheduled' }) type!: string;
  @ApiProperty({ example: 1 }) schemaVersion!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "the event type's fields" }) data!: object;
  @ApiProperty({ type: EventMetadataSchema }) metadata!: EventMetadataSchema;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ description: 'hex SHA-256 of the previous event of the stream' }) prevHash!: string;
  @ApiProperty({ description: 'hex SHA-256(prevHash || JCS(event))' }) hash!: string;
}

export class EventHistorySchema {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: [StoredEventSchema] }) items!: StoredEventSchema[];
}

class ImportRowSchema {
  @ApiProperty({ description: 'line of the listing', example: 23 }) line!: number;
  @ApiPropertyOptional({ format: 'uuid' }) id?: string;
  @ApiPropertyOptional() title?: string;
  @ApiPropertyOptional({ type: LocationSchema, description: 'created and skipped rows' }) location?: LocationSchema;
  @ApiPropertyOptional({ type: Object, example: { date: '2013-10-22' }, description: 'created and skipped rows' }) start?: object;
  @ApiPropertyOptional({ type: Object, example: { date: '2013-10-25' }, description: 'created and skipped rows (the last day)' }) end?: object;
  @ApiPropertyOptional({ description: 'created rows: the zone the place gave', example: 'Asia/Seoul' }) timeZone?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'created rows' }) startsAt?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'created rows' }) endsAt?: string;
  @ApiPropertyOptional({ description: 'the row as written (failed rows)' }) text?: string;
  @ApiPropertyOptional({ description: 'why it was skipped or failed', example: 'already imported' }) reason?: string;
}

class ImportSummarySchema {
  @ApiProperty({ example: 5 }) created!: number;
  @ApiProperty({ example: 0 }) skipped!: number;
  @ApiProperty({ example: 0 }) failed!: number;
}

export class ImportReportSchema {
  @ApiProperty({ type: ImportSummarySchema }) summary!: ImportSummarySchema;
  @ApiProperty({ type: [ImportRowSchema] }) created!: ImportRowSchema[];
  @ApiProperty({ type: [ImportRowSchema] }) skipped!: ImportRowSchema[];
  @ApiProperty({ type: [ImportRowSchema] }) failed!: ImportRowSchema[];
}
