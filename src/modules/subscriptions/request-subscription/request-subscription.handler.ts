import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import { Deliveries } from '../../mail/deliveries';
import { CONFIRM_KIND, ConfirmEmailPayload } from '../confirm/confirm.renderer';
import { PersonalDataVault } from '../personal-data.vault';
import { SubscriptionLinks } from '../subscription-links';
import { SubscriptionRepository, asSubscriber } from '../subscription.repository';
import { RequestSubscriptionCommand } from './request-subscription.command';

/**
 * One subscription per address. A new address (or one that unsubscribed) appends
 * SubscriptionRequested. An address with a pending or confirmed subscription appends nothing:
 * it is sent a confirmation link that carries the preferences of this request, and following
 * it applies them — so nobody can change a subscription without reading its mailbox.
 * At most one confirmation email per subscription, state and preferences per hour.
 */
@CommandHandler(RequestSubscriptionCommand)
export class RequestSubscriptionHandler implements ICommandHandler<RequestSubscriptionCommand> {
  constructor(
    private readonly vault: PersonalDataVault,
    private readonly subscriptions: SubscriptionRepository,
    private readonly links: SubscriptionLinks,
    private readonly deliveries: Deliveries,
  ) {}

  async execute(c: RequestSubscriptionCommand): Promise<{ subscriptionId: string; position: string }> {
    const id = (await this.vault.findByEmail(c.email)) ?? (await this.vault.createKey(randomUUID(), c.email)).id;
    const key = await this.vault.key(id);
    if (!key) throw new Error(`subscription ${id} has no data key`);
    const r = await this.subscriptions.handle(
      id,
      { kind: 'request', email: this.vault.seal(key, c.email.trim()), name: c.name ? this.vault.seal(key, c.name) : null, preferences: c.preferences },
      asSubscriber(id, c.metadata),
    );
    const confirmUrl = await this.links.confirmUrl({ subscriptionId: id, version: r.version, preferences: c.preferences });
    const hour = new Date().toISOString().slice(0, 13);
    const prefs = createHash('sha256').update(JSON.stringify(c.preferences)).digest('hex').slice(0, 16);
    await this.deliveries.enqueue({
      deliveryKey: `${CONFIRM_KIND}|${id}|${r.version}|${hour}|${prefs}`,
      kind: CONFIRM_KIND,
      subscriptionId: id,
      eventId: null,
      payload: { confirmUrl, preferences: c.preferences } satisfies ConfirmEmailPayload,
    });
    return { subscriptionId: id, position: r.position };
  }
}
