import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { aggregate, fold } from '../../events/aggregate';
import { EventStore } from '../../events/event-store.port';
import type { Recipient } from '../mail/mail.types';
import { subscriptionStream } from './domain/events';
import { SubscriptionState, SubscriptionStatus, subscriptionDecider } from './domain/subscription';
import { PersonalDataVault } from './personal-data.vault';
import { SubscriptionLinks } from './subscription-links';
import { SUBSCRIPTIONS_TABLE } from './subscriptions.projection';
import { isUuid } from '../../common/ids';

export { SUBSCRIPTION_EVENT_TYPES, SUBSCRIPTION_STREAM_PREFIX } from './domain/events';

const PAGE = 1000;

/** A subscriber as the email job sees them: status from the log itself (never a lagging view). */
export interface Subscriber {
  status: SubscriptionStatus;
  /** Null when erased (the key is gone) or unknown. */
  recipient: Recipient | null;
}

/** Read access to subscribers for fan-out (read model) and for rendering (log + key). */
@Injectable()
export class SubscriberDirectory {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: EventStore,
    private readonly vault: PersonalDataVault,
    private readonly links: SubscriptionLinks,
  ) {}

  /**
   * Confirmed, not erased subscriptions whose filters match the event (contract: every non-empty filter matches; empty filters match all). Returns ids only, in pages, for fan-out.
   * Keyset pages in id order over the partial index of confirmed subscriptions; pass the last
   * id of a page as `after` for the next one (a page shorter than `limit` is the last).
   */
  async matching(event: { id: string; country: string; programme: string | null }, opts: { after?: string; limit?: number } = {}): Promise<{ subscriptionId: string; leadTimes: string[] }[]> {
    const limit = Math.max(1, Math.min(opts.limit ?? PAGE, 10000));
    const rows: { id: string; lead_times: string[] }[] = await this.db.query(
      `SELECT id, lead_times FROM ${SUBSCRIPTIONS_TABLE}
        WHERE status = 'confirmed'
          AND ($1::uuid IS NULL OR id > $1::uuid)
          AND (countries = '{}' OR countries @> ARRAY[$2::text])
          AND (programmes = '{}' OR ($3::text IS NOT NULL AND programmes @> ARRAY[$3::text]))
          AND (event_ids = '{}' OR event_ids @> ARRAY[$4::uuid])
        ORDER BY id
        LIMIT $5`,
      [opts.after ?? null, event.country, event.programme, event.id, limit],
    );
    return rows.map((r) => ({ subscriptionId: r.id, leadTimes: r.lead_times }));
  }

  /** Decrypts; null when erased or unknown. */
  async recipient(subscriptionId: string): Promise<Recipient | null> {
    return (await this.subscriber(subscriptionId))?.recipient ?? null;
  }

  /** Null when the subscription never existed. */
  async subscriber(subscriptionId: string): Promise<Subscriber | null> {
    if (!isUuid(subscriptionId)) return null;
    const { state } = await aggregate(this.store, subscriptionStream(subscriptionId), subscriptionDecider);
    const key = state.status === 'absent' || state.status === 'erased' || !state.email ? null : await this.vault.key(subscriptionId);
    return this.toSubscriber(subscriptionId, state, key);
  }

  /**
   * `subscriber` for several subscriptions with one read of their streams and one of their
   * keys (a send batch); a subscription that never existed maps to null.
   */
  async subscribers(subscriptionIds: readonly string[]): Promise<Map<string, Subscriber | null>> {
    const ids = [...new Set(subscriptionIds)].filter(isUuid);
    const [streams, keys] = await Promise.all([this.store.readStreams(ids.map(subscriptionStream)), this.vault.keys(ids)]);
    const found = new Map<string, Subscriber | null>(subscriptionIds.map((id) => [id, null]));
    for (const id of ids) found.set(id, await this.toSubscriber(id, fold(subscriptionDecider, streams.get(subscriptionStream(id)) ?? []).state, keys.get(id) ?? null));
    return found;
  }

  private async toSubscriber(subscriptionId: string, state: SubscriptionState, key: Buffer | null): Promise<Subscriber | null> {
    if (state.status === 'absent') return null;
    if (state.status === 'erased' || !key || !state.email) return { status: state.status, recipient: null };
    return {
      status: state.status,
      recipient: {
        subscriptionId,
        email: this.vault.open(key, state.email),
        name: state.name ? this.vault.open(key, state.name) : null,
        locale: state.preferences?.locale ?? 'en',
        unsubscribeUrl: await this.links.unsubscribeUrl(subscriptionId),
      },
    };
  }

  /** Admin lookup through the keyed hash: ids of subscriptions (live or past) of an address. */
  async idsByEmail(email: string): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT subscription_id AS id FROM subscription_keys WHERE email_hash = $1
       UNION SELECT id FROM ${SUBSCRIPTIONS_TABLE} WHERE email_hash = $1`,
      [this.vault.emailHash(email)],
    );
    return rows.map((r) => r.id);
  }
}
