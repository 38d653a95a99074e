import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One event a projection cannot apply parks its stream in that projection, not the whole
 * projection: the stream's later events wait behind it while every other stream goes on.
 * `skipped_positions`: events an admin decided the projection passes over (each decision is
 * also an event in the log, which a rebuild reads back). Projections stopped by the old rule
 * (`failed`) run again: the event they stopped on now parks its stream instead.
 */
export class ParkedStreams1764376100000 implements MigrationInterface {
  name = 'ParkedStreams1764376100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_parked (
        projection     text NOT NULL,
        stream_id      text NOT NULL,
        -- The first event the projection could not apply; the stream's later ones wait behind it.
        transaction_id xid8 NOT NULL,
        position       bigint NOT NULL,
        event_type     text NOT NULL,
        version        integer NOT NULL,
        error          text NOT NULL,
        since          timestamptz NOT NULL DEFAULT now(),
        retried_at     timestamptz,
        PRIMARY KEY (projection, stream_id)
      )`);
    await q.query(`ALTER TABLE projection_checkpoints ADD COLUMN skipped_positions bigint[] NOT NULL DEFAULT '{}'`);
    await q.query(`UPDATE projection_checkpoints SET state = 'running', last_error = NULL, failed_position = NULL WHERE state = 'failed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE projection_checkpoints DROP COLUMN skipped_positions');
    await q.query('DROP TABLE projection_parked');
  }
}
