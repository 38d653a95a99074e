import { Injectable } from '@nestjs/common';
import { Executed, execute } from '../../events/aggregate';
import type { EventMetadata } from '../../events/envelope';
import { EventStore } from '../../events/event-store.port';
import { subscriptionStream } from './domain/events';
import { SubscriptionCommand, SubscriptionState, subscriptionDecider } from './domain/subscription';

/** Load, decide, append for the Subscription stream; shared by its command handlers. */
@Injectable()
export class SubscriptionRepository {
  constructor(private readonly store: EventStore) {}

  handle(id: string, command: SubscriptionCommand, metadata: EventMetadata): Promise<Executed<SubscriptionState>> {
    return execute(this.store, subscriptionStream(id), subscriptionDecider, command, { metadata });
  }
}

/** Subscribers act as themselves in the log: actor `subscriber:<id>` (contract metadata). */
export const asSubscriber = (id: string, m: EventMetadata): EventMetadata => ({ ...m, actor: `subscriber:${id}` });
