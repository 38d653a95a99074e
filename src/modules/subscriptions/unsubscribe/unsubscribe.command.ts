import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../../events/envelope';

/** GET or POST (RFC 8058 one-click) /v1/subscriptions/unsubscribe?token=. */
export class UnsubscribeCommand extends Command<{ position: string }> {
  constructor(
    readonly token: string,
    readonly reason: string,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
