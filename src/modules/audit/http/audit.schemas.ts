import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EventSchema, StoredEventSchema } from '../../scheduling/event-representation.schemas';

class LastChangeSchema {
  @ApiProperty({ example: 'EventRescheduled' }) type!: string;
  @ApiProperty({ type: String, nullable: true, example: 'alice' }) actor!: string | null;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ example: '2' }) position!: string;
}

export class AuditCalendarItemSchema extends EventSchema {
  @ApiProperty({ type: LastChangeSchema, description: 'the change that produced this version' }) lastChange!: LastChangeSchema;
}

export class AuditCalendarPageSchema {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ type: [AuditCalendarItemSchema] }) items!: AuditCalendarItemSchema[];
  @ApiProperty({ type: String, nullable: true, example: null }) nextCursor!: string | null;
}

export class AuditLogPageSchema {
  @ApiProperty({ type: [StoredEventSchema] }) items!: StoredEventSchema[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as `after` for the next page; null on the last', example: null }) nextAfter!: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'on a page read with `before`: pass as `before` for the page before it; null when nothing precedes it',
    example: '1200',
  })
  prevBefore?: string | null;
}

class ChainBreakSchema {
  @ApiProperty() streamId!: string;
  @ApiProperty() version!: number;
  @ApiProperty() position!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: [String], example: ['hash-mismatch'] }) codes!: string[];
}

export class VerifyReportSchema {
  @ApiProperty({ example: true }) ok!: boolean;
  @ApiProperty({ example: 12 }) streams!: number;
  @ApiProperty({ example: 40 }) events!: number;
  @ApiProperty({ type: [ChainBreakSchema] }) broken!: ChainBreakSchema[];
  @ApiPropertyOptional({ example: 0 }) brokenCount?: number;
}
