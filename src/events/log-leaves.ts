import type { EntityManager } from 'typeorm';
import type { LogCheckpoint } from './envelope';
import { gapSafePage } from './horizon';

/** What the transparency log needs of an event: where it is in the log and its chain hash. */
export interface LogLeafRow {
  transactionId: string;
  position: string;
  streamId: string;
  version: number;
  /** The event's `hash` (hex of 32 bytes). */
  hash: string;
}

/**
 * The log as the transparency tree sees it: every committed event in gap-safe
 * (transaction_id, position) order — the order projections read and the sealer seals, below the
 * same horizon as theirs (a stricter one here would hide leaves the tree already holds).
 * Read in keyset pages, so checking millions of events holds one page at a time.
 */
export async function* logLeaves(m: EntityManager, after: LogCheckpoint, pageSize = 10_000, limit = Number.MAX_SAFE_INTEGER): AsyncGenerator<LogLeafRow[]> {
  let cursor = after;
  let left = limit;
  while (left > 0) {
    const page = Math.min(pageSize, left);
    const rows: { transaction_id: string; position: string; stream_id: string; version: number; hash: string }[] = await m.query(
      gapSafePage('e.transaction_id::text AS transaction_id, e.position::text AS position, e.stream_id, e.version, e.hash'),
      [cursor.transactionId, cursor.position, page],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({ transactionId: r.transaction_id, position: r.position, streamId: r.stream_id, version: r.version, hash: r.hash }));
    left -= rows.length;
    const last = rows[rows.length - 1];
    cursor = { transactionId: last.transaction_id, position: last.position };
    if (rows.length < page) return;
  }
}

/** Positions listed in `table` (a `position` column) that no longer exist in `events`. */
export async function missingPositions(m: EntityManager, table: string): Promise<string[]> {
  const rows: { position: string }[] = await m.query(`SELECT t.position::text AS position FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.position = t.position) ORDER BY t.position`);
  return rows.map((r) => r.position);
}
