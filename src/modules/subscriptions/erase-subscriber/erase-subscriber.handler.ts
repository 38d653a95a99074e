import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { aggregate } from '../../../events/aggregate';
import { EventStore } from '../../../events/event-store.port';
import { DomainError } from '../../../common/domain/domain-error';
import { subscriptionStream } from '../domain/events';
import { subscriptionDecider } from '../domain/subscription';
import { PersonalDataVault } from '../personal-data.vault';
import { SubscriptionRepository } from '../subscription.repository';
import { EraseSubscriberCommand } from './erase-subscriber.command';

/**
 * Crypto-shredding: destroy the data key (and the address hash) first — that is the erasure;
 * then append SubscriberErased, so the read model (live or rebuilt) marks it erased and the log
 * shows who erased it and when. If the append fails, a retry of the DELETE completes it.
 */
@CommandHandler(EraseSubscriberCommand)
export class EraseSubscriberHandler implements ICommandHandler<EraseSubscriberCommand> {
  constructor(
    private readonly store: EventStore,
    private readonly vault: PersonalDataVault,
    private readonly subscriptions: SubscriptionRepository,
  ) {}

  async execute(c: EraseSubscriberCommand): Promise<{ position: string }> {
    const { state } = await aggregate(this.store, subscriptionStream(c.subscriptionId), subscriptionDecider);
    if (state.status === 'absent') throw new DomainError('not-found', 'SUBSCRIPTION_NOT_FOUND', 'no such subscription');
    await this.vault.destroy(c.subscriptionId);
    const r = await this.subscriptions.handle(c.subscriptionId, { kind: 'erase' }, c.metadata);
    return { position: r.position };
  }
}
