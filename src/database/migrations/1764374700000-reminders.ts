import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The 'reminder-plan' projection: what to remind about and when, derived
 * from the log alone, so a rebuild gives the same tables. Side effects (delayed jobs) are
 * taken from these rows after commit, never during a rebuild.
 */
export class Reminders1764374700000 implements MigrationInterface {
  name = 'Reminders1764374700000';

  async up(q: QueryRunner): Promise<void> {
    // One row per event and lead time in use: the delayed `due` job fans out from it.
    await q.query(`
      CREATE TABLE reminder_plan (
        event_id          uuid NOT NULL,
        lead_time         text NOT NULL,
        due_at            timestamptz NOT NULL,
        -- The event's startsAt this row was planned for: a due job for another start is stale.
        start_at          timestamptz NOT NULL,
        event_version     integer NOT NULL,
        status            text NOT NULL CHECK (status IN ('planned', 'cancelled')),
        -- Log position of the event that last (re)planned the row: after commit, exactly the
        -- rows a batch touched get their delayed job.
        planned_position  bigint NOT NULL,
        PRIMARY KEY (event_id, lead_time)
      )`);
    await q.query("CREATE INDEX reminder_plan_due_idx ON reminder_plan (due_at) WHERE status = 'planned'");
    await q.query('CREATE INDEX reminder_plan_position_idx ON reminder_plan (planned_position)');

    // The projection's own view of subscriptions: which lead times are in use (confirmed, active).
    await q.query(`
      CREATE TABLE reminder_subscriptions (
        subscription_id uuid PRIMARY KEY,
        lead_times      text[] NOT NULL,
        confirmed       boolean NOT NULL,
        active          boolean NOT NULL
      )`);

    // The projection's own view of event timing (it cannot read another projection's tables:
    // they move at their own pace, and a rebuild must not depend on them).
    await q.query(`
      CREATE TABLE reminder_events (
        event_id    uuid PRIMARY KEY,
        status      text NOT NULL,
        start_value jsonb NOT NULL,
        time_zone   text NOT NULL,
        starts_at   timestamptz NOT NULL,
        ends_at     timestamptz NOT NULL,
        version     integer NOT NULL
      )`);
    await q.query("CREATE INDEX reminder_events_starts_idx ON reminder_events (starts_at) WHERE status = 'scheduled'");

    // One row per notice-worthy change ('updated' or 'cancelled'), for the notice job and its safety net.
    await q.query(`
      CREATE TABLE reminder_notices (
        event_id      uuid NOT NULL,
        event_version integer NOT NULL,
        kind          text NOT NULL CHECK (kind IN ('updated', 'cancelled')),
        start_at      timestamptz NOT NULL,
        ends_at       timestamptz NOT NULL,
        recorded_at   timestamptz NOT NULL,
        position      bigint NOT NULL,
        PRIMARY KEY (event_id, event_version)
      )`);
    await q.query('CREATE INDEX reminder_notices_recorded_idx ON reminder_notices (recorded_at)');
    await q.query('CREATE INDEX reminder_notices_position_idx ON reminder_notices (position)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reminder_notices');
    await q.query('DROP TABLE reminder_events');
    await q.query('DROP TABLE reminder_subscriptions');
    await q.query('DROP TABLE reminder_plan');
  }
}
