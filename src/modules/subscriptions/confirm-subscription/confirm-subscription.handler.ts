import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import type { SubscriptionStatus } from '../domain/subscription';
import { SubscriptionLinks } from '../subscription-links';
import { SubscriptionRepository, asSubscriber } from '../subscription.repository';
import { ConfirmSubscriptionCommand } from './confirm-subscription.command';

/** Confirms (and applies the link's preferences); a second click changes nothing and says so. */
@CommandHandler(ConfirmSubscriptionCommand)
export class ConfirmSubscriptionHandler implements ICommandHandler<ConfirmSubscriptionCommand> {
  constructor(
    private readonly links: SubscriptionLinks,
    private readonly subscriptions: SubscriptionRepository,
  ) {}

  async execute(c: ConfirmSubscriptionCommand): Promise<{ subscriptionId: string; status: SubscriptionStatus; changed: boolean; position: string }> {
    const claims = await this.links.verifyConfirm(c.token);
    if ('error' in claims) {
      throw claims.error === 'expired'
        ? new DomainError('gone', 'LINK_EXPIRED', 'this confirmation link has expired (links work for 7 days); subscribe again to get a new one')
        : new DomainError('invalid', 'LINK_INVALID', 'this confirmation link is not valid');
    }
    const id = claims.subscriptionId;
    const r = await this.subscriptions.handle(id, { kind: 'confirm', preferences: claims.preferences, issuedAtVersion: claims.version }, asSubscriber(id, c.metadata));
    return { subscriptionId: id, status: r.state.status, changed: r.appended.length > 0, position: r.position };
  }
}
