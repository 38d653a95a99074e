import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The calendar history: one row per version of each CalendarEvent, valid over the
 * RECORDED-time interval [valid_from, valid_to) — from the instant that version was recorded
 * to the instant the next one was (NULL: still current). "The calendar as it stood at T" is
 * then an index lookup (`recorded @> T`), not a fold of the log per request.
 */
export class Audit1764374800000 implements MigrationInterface {
  name = 'Audit1764374800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_history (
        id            uuid NOT NULL,
        version       integer NOT NULL,
        valid_from    timestamptz NOT NULL,
        valid_to      timestamptz,
        recorded      tstzrange GENERATED ALWAYS AS (tstzrange(valid_from, valid_to, '[)')) STORED,
        status        text NOT NULL,
        title         text NOT NULL,
        description   text NOT NULL,
        programme     text,
        city          text NOT NULL,
        country       char(2) NOT NULL,
        venue         text,
        time_zone     text NOT NULL,
        start_value   jsonb NOT NULL,
        end_value     jsonb NOT NULL,
        starts_at     timestamptz NOT NULL,
        ends_at       timestamptz NOT NULL,
        -- Same definition as calendar_events.during, so the same filters mean the same thing.
        during        tstzrange GENERATED ALWAYS AS (
                        CASE WHEN ends_at > starts_at THEN tstzrange(starts_at, ends_at, '[)')
                             ELSE tstzrange(starts_at, starts_at, '[]') END) STORED,
        cancel_reason text,
        -- The event that produced this version: who, what, where in the log.
        event_type    text NOT NULL,
        actor         text,
        position      bigint NOT NULL,
        search        tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, ''))) STORED,
        PRIMARY KEY (id, version)
      )`);
    // As-of lookups: recorded-time containment, optionally with the [startsAt, endsAt) overlap.
    await q.query('CREATE INDEX calendar_history_recorded_idx ON calendar_history USING gist (recorded, during)');
    await q.query('CREATE INDEX calendar_history_during_idx ON calendar_history USING gist (during)');
    await q.query('CREATE INDEX calendar_history_valid_from_idx ON calendar_history (valid_from)');
    await q.query('CREATE INDEX calendar_history_order_idx ON calendar_history (starts_at, id)');
    // The projection closes the open version of an event on every change.
    await q.query('CREATE UNIQUE INDEX calendar_history_open_idx ON calendar_history (id) WHERE valid_to IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE calendar_history');
  }
}
