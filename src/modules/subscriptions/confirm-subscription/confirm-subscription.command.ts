import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../../events/envelope';
import type { SubscriptionStatus } from '../domain/subscription';

/** GET /v1/subscriptions/confirm?token=: the token is verified by the handler. */
export class ConfirmSubscriptionCommand extends Command<{ subscriptionId: string; status: SubscriptionStatus; changed: boolean; position: string }> {
  constructor(
    readonly token: string,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
