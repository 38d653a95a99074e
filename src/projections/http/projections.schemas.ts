import { ApiProperty } from '@nestjs/swagger';

class CheckpointSchema {
  @ApiProperty({ example: '11' }) position!: string;
  @ApiProperty({ example: '19101' }) transactionId!: string;
}
class LagSchema {
  @ApiProperty({ example: 0 }) events!: number;
  @ApiProperty({ example: 0 }) seconds!: number;
}
class RebuildProgressSchema {
  @ApiProperty() position!: string;
  @ApiProperty() events!: number;
}

class ParkedStreamSchema {
  @ApiProperty({ example: 'calendar-event-1b4e28ba-2fa1-11d2-883f-0016d3cca427' }) stream!: string;
  @ApiProperty({ description: 'the event the projection could not apply', example: '1234' }) position!: string;
  @ApiProperty({ example: '19101' }) transactionId!: string;
  @ApiProperty({ example: 'EventRescheduled' }) type!: string;
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ example: 'event at position 1234 (EventRescheduled …): date/time field value out of range' }) error!: string;
  @ApiProperty({ format: 'date-time' }) since!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) retriedAt!: string | null;
}

class StillParkedSchema {
  @ApiProperty({ example: '1234' }) position!: string;
  @ApiProperty() error!: string;
}

export class ResumeResultSchema {
  @ApiProperty({ example: 'calendar-event-1b4e28ba-2fa1-11d2-883f-0016d3cca427' }) stream!: string;
  @ApiProperty({ description: 'events of the stream applied now', example: 2 }) applied!: number;
  @ApiProperty({ type: StillParkedSchema, nullable: true, description: 'still parked: on which event, and why' }) parked!: StillParkedSchema | null;
}

export class RetryResultSchema {
  @ApiProperty({ example: 'calendar' }) projection!: string;
  @ApiProperty({ type: [ResumeResultSchema] }) items!: ResumeResultSchema[];
  @ApiProperty({ description: 'streams still parked after the retry', example: 0 }) parked!: number;
}

class SkippedEventSchema {
  @ApiProperty({ example: '1234' }) position!: string;
  @ApiProperty() stream!: string;
  @ApiProperty({ example: 'EventRescheduled' }) type!: string;
  @ApiProperty() error!: string;
}

class DecisionSchema {
  @ApiProperty({ description: 'log position of the ProjectionEventSkipped event', example: '1240' }) position!: string;
  @ApiProperty({ format: 'uuid' }) id!: string;
}

export class SkipResultSchema {
  @ApiProperty({ example: 'calendar' }) projection!: string;
  @ApiProperty({ type: SkippedEventSchema }) skipped!: SkippedEventSchema;
  @ApiProperty({ type: DecisionSchema }) decision!: DecisionSchema;
  @ApiProperty({ type: ResumeResultSchema }) resumed!: ResumeResultSchema;
}

export class ProjectionStatusSchema {
  @ApiProperty({ example: 'calendar' }) name!: string;
  @ApiProperty({ enum: ['running', 'failed', 'rebuilding'], example: 'running' }) state!: string;
  @ApiProperty({ type: CheckpointSchema }) checkpoint!: CheckpointSchema;
  @ApiProperty({ description: "the log's last position", example: '11' }) head!: string;
  @ApiProperty({ type: LagSchema }) lag!: LagSchema;
  @ApiProperty({ example: 1 }) generation!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) updatedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, nullable: true }) failedPosition!: string | null;
  @ApiProperty({ type: RebuildProgressSchema, nullable: true }) rebuild!: RebuildProgressSchema | null;
  @ApiProperty({ type: [ParkedStreamSchema], description: 'streams this projection passes over until an admin retries or skips (oldest first)' }) parked!: ParkedStreamSchema[];
}

export class ProjectionListSchema {
  @ApiProperty({ type: [ProjectionStatusSchema] }) items!: ProjectionStatusSchema[];
}

export class RebuildAcceptedSchema {
  @ApiProperty({ example: 'calendar' }) projection!: string;
  @ApiProperty({ example: 'rebuild-calendar' }) jobId!: string;
  @ApiProperty({ example: 'accepted' }) status!: string;
}
