import { ApiProperty } from '@nestjs/swagger';

export class SubscriptionAcceptedSchema {
  @ApiProperty({ example: 'accepted' }) status!: string;
  @ApiProperty({ example: 'if this address can subscribe, a confirmation email is on its way; follow its link within 7 days' }) detail!: string;
}

export class SubscriptionConfirmedSchema {
  @ApiProperty({ format: 'uuid' }) subscriptionId!: string;
  @ApiProperty({ example: 'confirmed' }) status!: string;
  @ApiProperty({ description: 'false when it was already confirmed', example: true }) changed!: boolean;
}

export class UnsubscribedSchema {
  @ApiProperty({ example: 'unsubscribed' }) status!: string;
}

export class DeliverySchema {
  @ApiProperty({ description: 'event|subscriber|kind|start|lead time, or confirm|…' }) deliveryKey!: string;
  @ApiProperty({ example: 'reminder' }) kind!: string;
  @ApiProperty({ format: 'uuid' }) subscriptionId!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) eventId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'P1D' }) leadTime!: string | null;
  @ApiProperty({ type: String, nullable: true }) start!: string | null;
  @ApiProperty({ enum: ['pending', 'sending', 'sent', 'failed', 'skipped'], example: 'sent' }) status!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ type: String, nullable: true }) messageId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) sentAt!: string | null;
}

export class DeliveryListSchema {
  @ApiProperty({ type: [DeliverySchema] }) items!: DeliverySchema[];
}
