import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ENDPOINT_STATUSES, EndpointStatus } from '../domain/endpoint';

export class CreateWebhookDto {
  /** Where events are POSTed; in production an https URL of a public host. */
  @IsString()
  @MaxLength(2000)
  url!: string;

  /** Calendar event types to send (EventScheduled, EventRescheduled, EventDetailsChanged, EventCancelled); empty or absent: all. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  eventTypes?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class ChangeWebhookDto {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  eventTypes?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  /** `paused` stops deliveries; `active` resumes them from the kept cursor. */
  @IsOptional()
  @IsIn(ENDPOINT_STATUSES, { message: 'status must be active or paused' })
  status?: EndpointStatus;
}

export class ReplayWebhookDto {
  /** The log position after which every event is sent again (0: the whole log). */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value))
  @IsString({ message: 'fromPosition must be a log position (a non-negative integer)' })
  @Matches(/^\d{1,19}$/, { message: 'fromPosition must be a log position (a non-negative integer)' })
  fromPosition!: string;
}

export class WebhookDeliveriesQueryDto {
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** `nextBefore` of the previous page. */
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'before must be a delivery id' })
  before?: string;
}

/** An endpoint as GET shows it (no secret). */
export class WebhookEndpointDto {
  id!: string;
  url!: string;
  eventTypes!: string[];
  description!: string | null;
  /** active | paused */
  status!: string;
  /** Why it is paused (retry budget spent, or an admin). */
  pausedReason!: string | null;
  /** The position of the last event the endpoint acknowledged with a 2xx. */
  cursor!: WebhookCursorDto;
  failingSince!: string | null;
  failedAttempts!: number;
  nextAttemptAt!: string | null;
  lastError!: string | null;
  /** Until when the secret replaced by the last rotation still signs alongside. */
  previousSecretExpiresAt!: string | null;
  createdAt!: string;
  updatedAt!: string;
}

export class WebhookCursorDto {
  position!: string;
}

/** Create and rotate-secret answers: the signing secret, shown this once. */
export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  /** `whsec_…` (Standard Webhooks). */
  secret!: string;
}

export class WebhookEndpointListDto {
  items!: WebhookEndpointDto[];
}

export class WebhookDeliveryDto {
  id!: string;
  /** The log event's id: the `webhook-id` header. */
  eventId!: string;
  position!: string;
  eventType!: string;
  /** 1 for a first attempt; counts up while the endpoint keeps failing on this event. */
  attempt!: number;
  ok!: boolean;
  statusCode!: number | null;
  durationMs!: number;
  error!: string | null;
  attemptedAt!: string;
}

export class WebhookDeliveryListDto {
  items!: WebhookDeliveryDto[];
  nextBefore!: string | null;
}
