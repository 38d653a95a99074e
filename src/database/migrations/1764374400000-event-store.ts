import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The log: append-only in the database itself, hash-chained per stream, gap-safe (docs/architecture.md, The log). */
export class EventStore1764374400000 implements MigrationInterface {
  name = 'EventStore1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id              uuid NOT NULL CONSTRAINT events_id_key UNIQUE,
        stream_id       text NOT NULL,
        version         integer NOT NULL CHECK (version >= 1),
        type            text NOT NULL,
        schema_version  integer NOT NULL DEFAULT 1,
        data            jsonb NOT NULL,
        metadata        jsonb NOT NULL,
        recorded_at     timestamptz NOT NULL,
        prev_hash       text NOT NULL,
        hash            text NOT NULL,
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
      )`);
    // Readers order and checkpoint by (transaction_id, position).
    await q.query('CREATE INDEX events_tx_position_idx ON events (transaction_id, position)');
    await q.query('CREATE INDEX events_recorded_at_idx ON events (recorded_at)');
    await q.query('CREATE INDEX events_type_idx ON events (type, position)');
    await q.query(`CREATE INDEX events_actor_idx ON events ((metadata->>'actor'), position)`);

    // Append-only enforced by the database, not only by the code: this trigger refuses UPDATE,
    // DELETE and TRUNCATE to everyone, but the table's owner (and a superuser) can disable it.
    // The service therefore runs as a role granted only INSERT and SELECT on events (see the
    // runtime role set up at start-up); what an owner might still do is caught by the signed
    // checkpoints of the transparency log (and, within a stream, by the hash chain).
    await q.query(`
      CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
                   FOR EACH ROW EXECUTE FUNCTION events_append_only()`);
    await q.query(`CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
                   FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()`);

    // Idempotency-Key records: the first response to a (principal, key) pair, replayed on retry.
    await q.query(`
      CREATE TABLE idempotency_keys (
        principal     text NOT NULL,
        key           text NOT NULL,
        request_hash  text NOT NULL,
        state         text NOT NULL CHECK (state IN ('pending', 'done')),
        status        integer,
        headers       jsonb,
        body          jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_keys');
    await q.query('DROP TABLE events');
    await q.query('DROP FUNCTION events_append_only()');
  }
}
