import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { SubscriptionLinks } from '../subscription-links';
import { SubscriptionRepository, asSubscriber } from '../subscription.repository';
import { UnsubscribeCommand } from './unsubscribe.command';

/** Unsubscribes; already unsubscribed, erased or unknown: nothing appended, same answer. */
@CommandHandler(UnsubscribeCommand)
export class UnsubscribeHandler implements ICommandHandler<UnsubscribeCommand> {
  constructor(
    private readonly links: SubscriptionLinks,
    private readonly subscriptions: SubscriptionRepository,
  ) {}

  async execute(c: UnsubscribeCommand): Promise<{ position: string }> {
    const claims = await this.links.verifyUnsubscribe(c.token);
    if ('error' in claims) throw new DomainError('invalid', 'LINK_INVALID', 'this unsubscribe link is not valid');
    const id = claims.subscriptionId;
    const r = await this.subscriptions.handle(id, { kind: 'unsubscribe', reason: c.reason }, asSubscriber(id, c.metadata));
    return { position: r.position };
  }
}
