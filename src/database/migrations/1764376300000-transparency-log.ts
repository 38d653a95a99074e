import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transparency log over `events`: the sealer's leaves (leaf index ↔ event) and the hashes of
 * every complete subtree (a proof reads O(log n) of them), the signed checkpoints, and the
 * development signing key (production brings its own).
 */
export class TransparencyLog1764376300000 implements MigrationInterface {
  name = 'TransparencyLog1764376300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transparency_leaves (
        leaf_index  bigint PRIMARY KEY,
        position    bigint NOT NULL UNIQUE,
        stream_id   text NOT NULL,
        version     integer NOT NULL,
        event_hash  bytea NOT NULL
      )`);
    // level 0 = leaf hashes; (level, idx) covers leaves [idx·2^level, (idx+1)·2^level).
    await q.query(`
      CREATE TABLE transparency_nodes (
        level  smallint NOT NULL,
        idx    bigint NOT NULL,
        hash   bytea NOT NULL,
        PRIMARY KEY (level, idx)
      )`);
    await q.query(`
      CREATE TABLE transparency_checkpoints (
        tree_size   bigint PRIMARY KEY,
        root_hash   bytea NOT NULL,
        note        text NOT NULL,
        signed_at   timestamptz NOT NULL DEFAULT now(),
        emailed_at  timestamptz
      )`);
    await q.query('CREATE INDEX transparency_checkpoints_unsent_idx ON transparency_checkpoints (signed_at) WHERE emailed_at IS NULL');
    await q.query(`
      CREATE TABLE transparency_keys (
        name         text PRIMARY KEY,
        private_pem  text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE transparency_keys');
    await q.query('DROP TABLE transparency_checkpoints');
    await q.query('DROP TABLE transparency_nodes');
    await q.query('DROP TABLE transparency_leaves');
  }
}
