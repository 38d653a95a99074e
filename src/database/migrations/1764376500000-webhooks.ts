import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook endpoints, each a consumer of the log with its own cursor (the gap-safe
 * (transaction id, position) pair of the last event it acknowledged with a 2xx), and the
 * record of every delivery attempt. The secret is kept as given to the admin: signing needs it.
 */
export class Webhooks1764376500000 implements MigrationInterface {
  name = 'Webhooks1764376500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        event_types text[] NOT NULL DEFAULT '{}',
        description text,
        status text NOT NULL CHECK (status IN ('active', 'paused')),
        paused_reason text,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        cursor_transaction_id xid8 NOT NULL DEFAULT '0',
        cursor_position bigint NOT NULL DEFAULT 0,
        failing_since timestamptz,
        failed_attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id bigserial PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        position bigint NOT NULL,
        event_type text NOT NULL,
        attempt int NOT NULL,
        ok boolean NOT NULL,
        status_code int,
        duration_ms int NOT NULL,
        error text,
        attempted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE webhook_endpoints');
  }
}
