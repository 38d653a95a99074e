import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Subscriptions: data keys outside the log, the subscriptions read model, email deliveries. */
export class Subscriptions1764374600000 implements MigrationInterface {
  name = 'Subscriptions1764374600000';

  async up(q: QueryRunner): Promise<void> {
    // Not the log: a row per subscription holding its data key (wrapped by DATA_KEY_SECRET) and
    // the keyed hash of its address. Erasure nulls both (crypto-shredding).
    await q.query(`
      CREATE TABLE subscription_keys (
        subscription_id uuid PRIMARY KEY,
        key             bytea,
        email_hash      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        destroyed_at    timestamptz,
        CHECK ((destroyed_at IS NULL) = (key IS NOT NULL))
      )`);
    // One live subscription per address: two racing POSTs for a new address cannot both create one.
    await q.query('CREATE UNIQUE INDEX subscription_keys_email_hash_idx ON subscription_keys (email_hash) WHERE email_hash IS NOT NULL');

    await q.query(`
      CREATE TABLE subscriptions_view (
        id            uuid PRIMARY KEY,
        status        text NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'erased')),
        countries     text[] NOT NULL DEFAULT '{}',
        programmes    text[] NOT NULL DEFAULT '{}',
        event_ids     uuid[] NOT NULL DEFAULT '{}',
        lead_times    text[] NOT NULL DEFAULT '{}',
        locale        text NOT NULL DEFAULT 'en',
        email_hash    text,
        confirmed_at  timestamptz,
        version       integer NOT NULL,
        updated_at    timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX subscriptions_view_countries_idx ON subscriptions_view USING gin (countries)');
    await q.query('CREATE INDEX subscriptions_view_programmes_idx ON subscriptions_view USING gin (programmes)');
    await q.query('CREATE INDEX subscriptions_view_event_ids_idx ON subscriptions_view USING gin (event_ids)');
    // Fan-out pages through confirmed subscriptions in id order (keyset pagination).
    await q.query(`CREATE INDEX subscriptions_view_confirmed_idx ON subscriptions_view (id) WHERE status = 'confirmed'`);
    await q.query('CREATE INDEX subscriptions_view_email_hash_idx ON subscriptions_view (email_hash) WHERE email_hash IS NOT NULL');

    await q.query(`
      CREATE TABLE deliveries (
        delivery_key    text PRIMARY KEY,
        kind            text NOT NULL,
        subscription_id uuid NOT NULL,
        event_id        uuid,
        lead_time       text,
        start_at        text,
        status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
        reason          text,
        attempts        integer NOT NULL DEFAULT 0,
        message_id      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        sent_at         timestamptz
      )`);
    await q.query('CREATE INDEX deliveries_subscription_idx ON deliveries (subscription_id, created_at)');
    await q.query('CREATE INDEX deliveries_event_idx ON deliveries (event_id, created_at) WHERE event_id IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE deliveries');
    await q.query('DROP TABLE subscriptions_view');
    await q.query('DROP TABLE subscription_keys');
  }
}
