import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Less personal data at rest. A delivery's failure is kept as a code (`smtp-550`) plus the
 * server's reply with every address replaced; rows written before are scrubbed the same way.
 * Idempotency records expire: an index on their age lets the pruner find old ones cheaply.
 */
export class PersonalDataMinimised1764376200000 implements MigrationInterface {
  name = 'PersonalDataMinimised1764376200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE deliveries ADD COLUMN reason_code text');
    await q.query(`UPDATE deliveries SET reason = regexp_replace(reason, '[^][:space:]<>()[]+@[^][:space:]<>()[]+', '[address]', 'g') WHERE reason LIKE '%@%'`);
    await q.query('CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX idempotency_keys_created_at');
    await q.query('ALTER TABLE deliveries DROP COLUMN reason_code');
  }
}
