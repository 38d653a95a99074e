import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../../events/envelope';

/** DELETE /v1/admin/subscriptions/:id — the right to be forgotten. */
export class EraseSubscriberCommand extends Command<{ position: string }> {
  constructor(
    readonly subscriptionId: string,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
