/** SQL shared by every gap-safe read of the log (the store's reads, the transparency log's leaves). */

/**
 * The gap-safe horizon: every transaction below it has ended, as far as events go. A row with a
 * lower position that commits later cannot appear behind a checkpoint taken below it. Only
 * transactions in flight in THIS database count: one in another database of the cluster can never
 * write to this log, and pg_snapshot_xmin would make every reader wait for it (a long report, a
 * migration, another application). The reader's own transaction is not in the snapshot's list
 * either (readers never append in the transaction they read in). A transaction whose database
 * cannot be told (its backend already moved on) still counts: it only delays, never skips.
 * pg_stat_activity knows 32-bit xids, the snapshot 64-bit ones: they are compared modulo 2^32.
 */
export const READABLE_HORIZON = `(SELECT coalesce(
    (SELECT min(x) FROM pg_snapshot_xip(s) AS x
      WHERE NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(NULL) AS a
                         WHERE a.backend_xid::text = (x::text::numeric % 4294967296)::text
                           AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database()))),
    pg_snapshot_xmax(s)) FROM pg_current_snapshot() AS s)`;

/**
 * A page of the log after a checkpoint ($1 transaction id, $2 position) in gap-safe order, at
 * most $3 rows, below the horizon: a row with a lower position that commits later cannot appear
 * behind the page's last checkpoint. `where` adds conditions on `e`. Qualified names: a bare
 * ORDER BY position would sort by a text alias ('100' < '91').
 */
export function gapSafePage(columns: string, where = ''): string {
  return `SELECT ${columns} FROM events e
        WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint)
          AND e.transaction_id < ${READABLE_HORIZON} ${where}
        ORDER BY e.transaction_id, e.position
        LIMIT $3`;
}
