import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Projection checkpoints, moved in the same transaction as the read model's writes, and the calendar read model. */
export class Projections1764374500000 implements MigrationInterface {
  name = 'Projections1764374500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_checkpoints (
        name            text PRIMARY KEY,
        transaction_id  xid8 NOT NULL DEFAULT '0',
        position        bigint NOT NULL DEFAULT 0,
        state           text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'failed', 'rebuilding')),
        -- Bumped by every rebuild swap: sync tokens of an older generation are refused (410).
        generation      integer NOT NULL DEFAULT 1,
        last_event_at   timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        last_error      text,
        failed_position bigint
      )`);

    // Apply order of the calendar projection; sync tokens are built on it, not on positions,
    // because positions are not monotonic in (transaction_id, position) order.
    await q.query('CREATE SEQUENCE calendar_change_seq');
    await q.query(`
      CREATE TABLE calendar_events (
        id            uuid PRIMARY KEY,
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
        -- [startsAt, endsAt); a zero-length timed event is the single instant it happens at.
        during        tstzrange GENERATED ALWAYS AS (
                        CASE WHEN ends_at > starts_at THEN tstzrange(starts_at, ends_at, '[)')
                             ELSE tstzrange(starts_at, starts_at, '[]') END) STORED,
        cancel_reason text,
        version       integer NOT NULL,
        last_position bigint NOT NULL,
        change_seq    bigint NOT NULL DEFAULT nextval('calendar_change_seq'),
        search        tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, ''))) STORED,
        updated_at    timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX calendar_events_during_idx ON calendar_events USING gist (during)');
    await q.query('CREATE INDEX calendar_events_order_idx ON calendar_events (starts_at, id)');
    await q.query('CREATE INDEX calendar_events_country_idx ON calendar_events (country, starts_at)');
    await q.query('CREATE INDEX calendar_events_city_idx ON calendar_events (lower(city))');
    await q.query('CREATE INDEX calendar_events_programme_idx ON calendar_events (programme)');
    await q.query('CREATE INDEX calendar_events_status_idx ON calendar_events (status)');
    await q.query('CREATE INDEX calendar_events_search_idx ON calendar_events USING gin (search)');
    await q.query('CREATE UNIQUE INDEX calendar_events_change_seq_idx ON calendar_events (change_seq)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE calendar_events');
    await q.query('DROP SEQUENCE calendar_change_seq');
    await q.query('DROP TABLE projection_checkpoints');
  }
}
