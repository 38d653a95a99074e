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

export class ProjectionStatusSchema {
  @ApiProperty({ example: 'calendar' }) name!: string;
  @ApiProperty({ enum: ['running', 'failed', 'rebuilding'], example: 'running' }) state!: string;
  @ApiProperty({ type: CheckpointSchema }) checkpoint!: CheckpointSchema;
  @ApiProperty({ description: 'the log\'s last position', example: '11' }) head!: string;
  @ApiProperty({ type: LagSchema }) lag!: LagSchema;
  @ApiProperty({ example: 1 }) generation!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) updatedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, nullable: true }) failedPosition!: string | null;
  @ApiProperty({ type: RebuildProgressSchema, nullable: true }) rebuild!: RebuildProgressSchema | null;
}

export class ProjectionListSchema {
  @ApiProperty({ type: [ProjectionStatusSchema] }) items!: ProjectionStatusSchema[];
}

export class RebuildAcceptedSchema {
  @ApiProperty({ example: 'calendar' }) projection!: string;
  @ApiProperty({ example: 'rebuild-calendar' }) jobId!: string;
  @ApiProperty({ example: 'accepted' }) status!: string;
}
