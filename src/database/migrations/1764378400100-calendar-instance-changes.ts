import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incremental sync lists each changed instance of a series as an item of its own, so the series
 * row notes when each changed instance last changed: `override_seqs` maps an instance's key to
 * the `change_seq` of the write that last changed it. Rows written before this hold '{}' (their
 * instances appear once they change again). A constant default: no table rewrite.
 */
export class CalendarInstanceChanges1764378400100 implements MigrationInterface {
  name = 'CalendarInstanceChanges1764378400100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_events ADD COLUMN override_seqs jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE calendar_events DROP COLUMN override_seqs');
  }
}
