import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A replayed response must be the first one byte for byte: jsonb reorders an object's keys, so
 * the recorded body is kept as the JSON text that was sent. Records written before keep jsonb's
 * order (they expire with IDEMPOTENCY_TTL_HOURS).
 */
export class IdempotentReplayBytes1764377100000 implements MigrationInterface {
  name = 'IdempotentReplayBytes1764377100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE idempotency_keys ALTER COLUMN body TYPE text USING body::text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE idempotency_keys ALTER COLUMN body TYPE jsonb USING body::jsonb');
  }
}
