import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The calendar history keeps a series' lines and changed instances in each version, as the
 * calendar view does, so the calendar as of a past instant lists the series' instances in the
 * window (not its first start alone). Versions recorded before this migration have none: a
 * rebuild of the calendar-history projection fills them from the log.
 */
export class HistorySeries1764377000100 implements MigrationInterface {
  name = 'HistorySeries1764377000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_history ADD COLUMN recurrence jsonb, ADD COLUMN overrides jsonb NOT NULL DEFAULT '{}', ADD COLUMN series_ends_at timestamptz`);
    await q.query('CREATE INDEX calendar_history_series_idx ON calendar_history (starts_at) WHERE recurrence IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX calendar_history_series_idx');
    await q.query('ALTER TABLE calendar_history DROP COLUMN series_ends_at, DROP COLUMN overrides, DROP COLUMN recurrence');
  }
}
