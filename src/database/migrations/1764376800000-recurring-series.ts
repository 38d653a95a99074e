import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recurring series in the calendar view: the row keeps the series (its RFC 5545 lines and its
 * changed instances) and listings expand it within their window, so no instance rows need
 * maintaining on a horizon. `series_ends_at` is where the last instance ends (null: no end), so
 * a window query finds the series whose span overlaps it without expanding every series.
 */
export class RecurringSeries1764376800000 implements MigrationInterface {
  name = 'RecurringSeries1764376800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE calendar_events ADD COLUMN recurrence jsonb, ADD COLUMN overrides jsonb NOT NULL DEFAULT '{}', ADD COLUMN series_ends_at timestamptz`);
    await q.query('CREATE INDEX calendar_events_series_idx ON calendar_events (starts_at) WHERE recurrence IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX calendar_events_series_idx');
    await q.query('ALTER TABLE calendar_events DROP COLUMN series_ends_at, DROP COLUMN overrides, DROP COLUMN recurrence');
  }
}
