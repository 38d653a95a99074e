import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a delivery's send job carries, kept with the row: a failed job is removed from Redis,
 * so an admin's retry (POST /v1/admin/deliveries/:key/retry) rebuilds the job from here.
 * Rows written before this column have none and cannot be retried (the API says so).
 */
export class DeliveryPayload1764375800000 implements MigrationInterface {
  name = 'DeliveryPayload1764375800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE deliveries ADD COLUMN payload jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE deliveries DROP COLUMN payload');
  }
}
