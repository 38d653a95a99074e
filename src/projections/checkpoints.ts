import type { EntityManager } from 'typeorm';
import type { LogCheckpoint } from '../events/envelope';

export type ProjectionState = 'running' | 'failed' | 'rebuilding';

export interface CheckpointRow {
  name: string;
  transactionId: string;
  position: string;
  state: ProjectionState;
  generation: number;
  lastEventAt: Date | null;
  updatedAt: Date;
  lastError: string | null;
  failedPosition: string | null;
  /** Positions an admin decided this projection passes over. */
  skipped: string[];
  /** Streams parked in this projection: their events wait. */
  parked: string[];
}

interface Raw {
  name: string;
  transaction_id: string;
  position: string;
  state: ProjectionState;
  generation: number;
  last_event_at: Date | null;
  updated_at: Date;
  last_error: string | null;
  failed_position: string | null;
  skipped: string[];
  parked: string[];
}

const COLUMNS = `name, transaction_id::text AS transaction_id, position::text AS position, state, generation, last_event_at, updated_at, last_error,
  failed_position::text AS failed_position, skipped_positions::text[] AS skipped,
  ARRAY(SELECT p.stream_id FROM projection_parked p WHERE p.projection = projection_checkpoints.name) AS parked`;

const toRow = (r: Raw): CheckpointRow => ({
  name: r.name,
  transactionId: r.transaction_id,
  position: r.position,
  state: r.state,
  generation: r.generation,
  lastEventAt: r.last_event_at,
  updatedAt: r.updated_at,
  lastError: r.last_error,
  failedPosition: r.failed_position,
  skipped: r.skipped,
  parked: r.parked,
});

/** NOTIFY channel of every checkpoint move (batches and rebuild swaps): readers wait and cache by it. */
export const PROGRESS_CHANNEL = 'almanac_projection_progress';
/** `<checkpoint name>:<transaction id>:<position>`. */
export const progressPayload = (name: string, at: LogCheckpoint): string => `${name}:${at.transactionId}:${at.position}`;

/** The checkpoint table, always written inside the caller's transaction. */
export const Checkpoints = {
  async ensure(m: EntityManager, name: string): Promise<void> {
    await m.query('INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
  },

  async get(m: EntityManager, name: string, forUpdate = false): Promise<CheckpointRow | undefined> {
    const rows: Raw[] = await m.query(`SELECT ${COLUMNS} FROM projection_checkpoints WHERE name = $1 ${forUpdate ? 'FOR UPDATE' : ''}`, [name]);
    return rows[0] ? toRow(rows[0]) : undefined;
  },

  /** Several at once, in name order (locked in that order with `forUpdate`). */
  async many(m: EntityManager, names: readonly string[], forUpdate = false): Promise<CheckpointRow[]> {
    const rows: Raw[] = await m.query(`SELECT ${COLUMNS} FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name ${forUpdate ? 'FOR UPDATE' : ''}`, [names]);
    return rows.map(toRow);
  },

  async all(m: EntityManager): Promise<CheckpointRow[]> {
    const rows: Raw[] = await m.query(`SELECT ${COLUMNS} FROM projection_checkpoints ORDER BY name`);
    return rows.map(toRow);
  },

  /** Moves the checkpoint and NOTIFYs its progress (delivered at commit), in one round trip. */
  async advance(m: EntityManager, name: string, to: LogCheckpoint, lastEventAt: Date): Promise<void> {
    await m.query(
      `WITH moved AS (
         UPDATE projection_checkpoints SET transaction_id = $2::xid8, position = $3, last_event_at = $4, updated_at = now() WHERE name = $1)
       SELECT pg_notify($5, $6)`,
      [name, to.transactionId, to.position, lastEventAt, PROGRESS_CHANNEL, progressPayload(name, to)],
    );
  },

  /** `advance` for several checkpoints in one round trip (one NOTIFY each). */
  async advanceMany(m: EntityManager, moves: readonly { name: string; to: LogCheckpoint; at: Date }[]): Promise<void> {
    if (moves.length === 0) return;
    await m.query(
      `WITH moved AS (
         UPDATE projection_checkpoints c SET transaction_id = v.tx::xid8, position = v.pos, last_event_at = v.at, updated_at = now()
           FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[]) AS v(name, tx, pos, at) WHERE c.name = v.name)
       SELECT pg_notify($5, n) FROM unnest($6::text[]) AS n`,
      [moves.map((x) => x.name), moves.map((x) => x.to.transactionId), moves.map((x) => x.to.position), moves.map((x) => x.at), PROGRESS_CHANNEL, moves.map((x) => progressPayload(x.name, x.to))],
    );
  },

  /** Records an admin's decision that this projection passes over the event at `position`. */
  async skip(m: EntityManager, name: string, position: string): Promise<void> {
    await m.query(
      `UPDATE projection_checkpoints SET skipped_positions = array_append(skipped_positions, $2::bigint), updated_at = now()
        WHERE name = $1 AND NOT ($2::bigint = ANY(skipped_positions))`,
      [name, position],
    );
  },

  async setSkipped(m: EntityManager, name: string, positions: string[]): Promise<void> {
    await m.query('UPDATE projection_checkpoints SET skipped_positions = $2::bigint[] WHERE name = $1', [name, positions]);
  },

  async reset(m: EntityManager, name: string, state: ProjectionState = 'running'): Promise<void> {
    await m.query(
      `INSERT INTO projection_checkpoints (name, state) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET transaction_id = '0', position = 0, state = $2, last_event_at = NULL, last_error = NULL, failed_position = NULL,
              skipped_positions = '{}', updated_at = now()`,
      [name, state],
    );
  },
};

export const cp = (r: Pick<CheckpointRow, 'transactionId' | 'position'>): LogCheckpoint => ({ transactionId: r.transactionId, position: r.position });

/**
 * A scalar subquery for a projection's generation, for a read model that must read it in the
 * same statement (one snapshot) as its own rows. `nameParam` is the statement's placeholder for
 * the projection's name.
 */
export function generationSubquery(nameParam: string): string {
  return `(SELECT generation FROM projection_checkpoints WHERE name = ${nameParam})`;
}
