import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Deliveries } from '../../mail/deliveries';
import { CONFIRM_KIND, ConfirmEmailPayload } from '../confirm/confirm.renderer';
import { PersonalDataVault } from '../personal-data.vault';
import { ConfirmationCap } from '../sign-up/confirmation-cap';
import { SubscriptionLinks } from '../subscription-links';
import { SubscriptionRepository, asSubscriber } from '../subscription.repository';
import { RequestSubscriptionCommand } from './request-subscription.command';

/**
 * One subscription per address. A new address (or one that unsubscribed) appends
 * SubscriptionRequested. An address with a pending or confirmed subscription appends nothing:
 * it is sent a confirmation link that carries the preferences of this request, and following
 * it applies them — so nobody can change a subscription without reading its mailbox.
 * At most one confirmation email per subscription, state and preferences per hour, and at most
 * three per address in any 24 hours (ConfirmationCap).
 */
@CommandHandler(RequestSubscriptionCommand)
export class RequestSubscriptionHandler implements ICommandHandler<RequestSubscriptionCommand> {
  private readonly logger = new Logger(RequestSubscriptionHandler.name);

  constructor(
    private readonly vault: PersonalDataVault,
    private readonly subscriptions: SubscriptionRepository,
    private readonly links: SubscriptionLinks,
    private readonly deliveries: Deliveries,
    private readonly cap: ConfirmationCap,
  ) {}

  async execute(c: RequestSubscriptionCommand): Promise<{ subscriptionId: string; position: string; confirmationSent: boolean }> {
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
    const deliveryKey = `${CONFIRM_KIND}|${id}|${r.version}|${hour}|${prefs}`;
    const delivery = { deliveryKey, kind: CONFIRM_KIND, subscriptionId: id, eventId: null, payload: { confirmUrl, preferences: c.preferences } satisfies ConfirmEmailPayload };
    const existing = await this.deliveries.get(deliveryKey);
    if (existing) {
      // The same request again within the hour: the email it asked for is already counted
      // (and, still pending after a crash, queued again).
      if (existing.status === 'pending') await this.deliveries.enqueue(delivery);
      return { subscriptionId: id, position: r.position, confirmationSent: false };
    }
    const slot = await this.cap.take(c.email);
    if (!slot) {
      this.logger.log({ subscriptionId: id }, 'confirmation not sent: the address had its confirmation emails of the last 24 hours');
      return { subscriptionId: id, position: r.position, confirmationSent: false };
    }
    const created = await this.deliveries.enqueue(delivery);
    if (!created) await slot.release();
    return { subscriptionId: id, position: r.position, confirmationSent: created };
  }
}
