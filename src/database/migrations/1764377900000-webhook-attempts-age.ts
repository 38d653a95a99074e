import { MigrationInterface, QueryRunner } from 'typeorm';

/** Delivery attempts expire: an index on their age lets the sweep delete old ones without a scan. */
export class WebhookAttemptsAge1764377900000 implements MigrationInterface {
  name = 'WebhookAttemptsAge1764377900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX webhook_deliveries_attempted_idx ON webhook_deliveries (attempted_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX webhook_deliveries_attempted_idx');
  }
}
