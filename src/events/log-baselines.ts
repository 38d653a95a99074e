import type { Pool } from 'pg';
import type { LogCheckpoint } from './envelope';

/**
 * What the benchmarks measure the log against, on a plain pg pool: the same rows with nothing
 * around them (no index, no trigger, no application). Kept here because only this folder names
 * the log's table.
 */
export const LogBaselines = {
  async eventsOfType(pool: Pool, type: string): Promise<number> {
    return Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE type = $1', [type])).rows[0].n);
  },

  /** An empty table shaped like the log (defaults, and the identity when asked), without its indexes and triggers. */
  async createLike(pool: Pool, table: string, options: { identity?: boolean } = {}): Promise<void> {
    await pool.query(`CREATE TABLE ${table} (LIKE events${options.identity ? ' INCLUDING DEFAULTS INCLUDING IDENTITY' : ''})`);
  },

  /** The newest row's given columns, as stored. */
  async newestRow(pool: Pool, columns: string): Promise<Record<string, unknown> | undefined> {
    return (await pool.query(`SELECT ${columns} FROM events ORDER BY position DESC LIMIT 1`)).rows[0] as Record<string, unknown> | undefined;
  },

  /** The server-side copy of every row into `table`: the ceiling for a rebuild. */
  async copyAllInto(pool: Pool, table: string): Promise<number> {
    return (await pool.query(`INSERT INTO ${table} SELECT * FROM events`)).rowCount ?? 0;
  },

  async anyAfter(pool: Pool, at: LogCheckpoint): Promise<boolean> {
    // As PostgresEventStore.hasAfter: LIMIT 1 on the index, not EXISTS (a sequential scan of the whole log).
    const rows = await pool.query<{ behind: boolean }>(
      'SELECT (SELECT true FROM events e WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint) ORDER BY e.transaction_id, e.position LIMIT 1) IS NOT NULL AS behind',
      [at.transactionId, at.position],
    );
    return rows.rows[0].behind;
  },
};
