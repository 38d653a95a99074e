import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../events/envelope';
import { RegisterProjection } from '../../projections/projection.decorator';
import type { Projection, ProjectionContext } from '../../projections/projection';
import { SUBSCRIPTION_EVENT_TYPES, SUBSCRIPTION_STREAM_PREFIX, SubscriptionEvent } from './domain/events';
import { PersonalDataVault } from './personal-data.vault';

export const SUBSCRIPTIONS_TABLE = 'subscriptions_view';

/**
 * The subscriptions read model: status and filters per subscription, for fan-out matching
 * (GIN indexes on the filter arrays) and admin lookup by keyed address hash. No personal data
 * in clear; the hash is copied from `subscription_keys`, so an erased subscriber's is gone.
 */
@Injectable()
@RegisterProjection()
export class SubscriptionsProjection implements Projection {
  readonly name = 'subscriptions';
  readonly eventTypes: readonly string[] = SUBSCRIPTION_EVENT_TYPES;
  readonly tables = [SUBSCRIPTIONS_TABLE] as const;

  constructor(private readonly vault: PersonalDataVault) {}

  /** Event by event: subscription events are few, and each is a row or two at most. */
  async apply(batch: StoredEvent[], ctx: ProjectionContext): Promise<void> {
    for (const event of batch) await this.applyEvent(ctx, event);
  }

  private async applyEvent(ctx: ProjectionContext, event: StoredEvent): Promise<void> {
    if (!event.streamId.startsWith(SUBSCRIPTION_STREAM_PREFIX)) return;
    const id = event.streamId.slice(SUBSCRIPTION_STREAM_PREFIX.length);
    const t = ctx.table(SUBSCRIPTIONS_TABLE);
    const rows: { version: number }[] = await ctx.tx.query(`SELECT version FROM ${t} WHERE id = $1 FOR UPDATE`, [id]);
    // The runner guarantees exactly-once; this guards a replay into a non-empty table.
    if (rows[0] && rows[0].version >= event.version) return;
    const e = { type: event.type, data: event.data } as SubscriptionEvent;
    const at = event.recordedAt;
    switch (e.type) {
      case 'SubscriptionRequested': {
        const d = e.data;
        const hash = await this.vault.emailHashOf(id, ctx.tx);
        await ctx.tx.query(
          `INSERT INTO ${t} (id, status, countries, programmes, event_ids, lead_times, locale, email_hash, confirmed_at, version, updated_at)
           VALUES ($1, 'pending', $2, $3, $4::uuid[], $5, $6, $7, NULL, $8, $9)
           ON CONFLICT (id) DO UPDATE SET status = 'pending', countries = $2, programmes = $3, event_ids = $4::uuid[], lead_times = $5,
             locale = $6, email_hash = $7, confirmed_at = NULL, version = $8, updated_at = $9`,
          [id, d.countries, d.programmes, d.eventIds, d.leadTimes, d.locale, hash, event.version, at],
        );
        return;
      }
      case 'SubscriptionConfirmed':
        return this.set(ctx, t, id, event, `status = 'confirmed', confirmed_at = $3`, [at]);
      case 'SubscriptionPreferencesChanged': {
        const d = e.data;
        const sets: string[] = [];
        const params: unknown[] = [];
        const col = (c: string, v: unknown, cast = '') => {
          params.push(v);
          sets.push(`${c} = $${params.length + 2}${cast}`);
        };
        if (d.countries) col('countries', d.countries);
        if (d.programmes) col('programmes', d.programmes);
        if (d.eventIds) col('event_ids', d.eventIds, '::uuid[]');
        if (d.leadTimes) col('lead_times', d.leadTimes);
        if (d.locale) col('locale', d.locale);
        return this.set(ctx, t, id, event, sets.join(', ') || 'status = status', params);
      }
      case 'Unsubscribed':
        return this.set(ctx, t, id, event, `status = 'unsubscribed'`, []);
      case 'SubscriberErased':
        return this.set(ctx, t, id, event, `status = 'erased', email_hash = NULL`, []);
    }
  }

  /** `sets` uses $3.. for `params`; $1 is the id, $2 the version. */
  private async set(ctx: ProjectionContext, t: string, id: string, e: StoredEvent, sets: string, params: unknown[]): Promise<void> {
    await ctx.tx.query(`UPDATE ${t} SET ${sets}, version = $2, updated_at = $${params.length + 3} WHERE id = $1`, [id, e.version, ...params, e.recordedAt]);
  }
}
