import type { Pool } from 'pg';
import { LogBaselines } from '../events/log-baselines';

/**
 * True once every named projection has applied everything in the log (nothing after its
 * checkpoint in (transaction_id, position) order). On a plain pg pool, for tools that run
 * beside the service (the benchmarks).
 */
export async function projectionsCaughtUp(pool: Pool, names: string[]): Promise<boolean> {
  for (const name of names) {
    const rows = (
      await pool.query<{ transaction_id: string; position: string }>('SELECT transaction_id::text AS transaction_id, position::text AS position FROM projection_checkpoints WHERE name = $1', [name])
    ).rows;
    const at = rows[0] ? { transactionId: rows[0].transaction_id, position: rows[0].position } : { transactionId: '0', position: '0' };
    if (await LogBaselines.anyAfter(pool, at)) return false;
  }
  return true;
}
