import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../../events/envelope';
import type { Preferences } from '../domain/subscription';

/** POST /v1/subscriptions. The answer never says whether the address was known (no probing). */
export class RequestSubscriptionCommand extends Command<{ subscriptionId: string; position: string }> {
  constructor(
    readonly email: string,
    readonly name: string | null,
    readonly preferences: Preferences,
    readonly metadata: EventMetadata,
  ) {
    super();
  }
}
