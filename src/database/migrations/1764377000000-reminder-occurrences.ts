import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reminders per instance of a recurring series. A plan row names its instance by the original
 * start (`occurrence`, '' for a single event), so a moved instance moves its own rows and a
 * cancelled one cancels only its own. The series' row keeps its state (to expand it) and how far
 * ahead its instances are planned (`horizon_until`): a rolling horizon, never years of rows.
 * A notice about one instance names it too (null: about the whole event or series).
 */
export class ReminderOccurrences1764377000000 implements MigrationInterface {
  name = 'ReminderOccurrences1764377000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reminder_plan ADD COLUMN occurrence text NOT NULL DEFAULT ''`);
    await q.query('ALTER TABLE reminder_plan DROP CONSTRAINT reminder_plan_pkey');
    await q.query('ALTER TABLE reminder_plan ADD PRIMARY KEY (event_id, occurrence, lead_time)');
    await q.query('ALTER TABLE reminder_events ADD COLUMN series jsonb, ADD COLUMN horizon_until timestamptz');
    await q.query(`CREATE INDEX reminder_events_horizon_idx ON reminder_events (horizon_until) WHERE status = 'series'`);
    await q.query('ALTER TABLE reminder_notices ADD COLUMN occurrence text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE reminder_notices DROP COLUMN occurrence');
    await q.query('DROP INDEX reminder_events_horizon_idx');
    await q.query('ALTER TABLE reminder_events DROP COLUMN horizon_until, DROP COLUMN series');
    await q.query(`DELETE FROM reminder_plan WHERE occurrence <> ''`);
    await q.query('ALTER TABLE reminder_plan DROP CONSTRAINT reminder_plan_pkey');
    await q.query('ALTER TABLE reminder_plan ADD PRIMARY KEY (event_id, lead_time)');
    await q.query('ALTER TABLE reminder_plan DROP COLUMN occurrence');
  }
}
