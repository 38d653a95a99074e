import type { EntityManager } from 'typeorm';
import type { LogCheckpoint, LoggedEvent, StoredEvent } from '../events/envelope';

/** A stream a projection passes over until an operator retries or skips its first event. */
export interface ParkedStream {
  stream: string;
  /** The event the projection could not apply. */
  position: string;
  transactionId: string;
  type: string;
  version: number;
  error: string;
  since: string;
  retriedAt: string | null;
}

interface Raw {
  stream_id: string;
  position: string;
  transaction_id: string;
  event_type: string;
  version: number;
  error: string;
  since: Date;
  retried_at: Date | null;
}

const COLUMNS = 'stream_id, position::text AS position, transaction_id::text AS transaction_id, event_type, version, error, since, retried_at';

const toParked = (r: Raw): ParkedStream => ({
  stream: r.stream_id,
  position: r.position,
  transactionId: r.transaction_id,
  type: r.event_type,
  version: r.version,
  error: r.error,
  since: r.since.toISOString(),
  retriedAt: r.retried_at?.toISOString() ?? null,
});

/** Errors are kept short: a projection's message can quote a whole row. */
const clip = (error: string): string => (error.length > 2000 ? `${error.slice(0, 1999)}…` : error);

/** The `projection_parked` table, keyed by checkpoint name (a rebuild parks under its own slot's name). */
export const ParkedStreams = {
  async park(m: EntityManager, checkpoint: string, event: LoggedEvent, error: string): Promise<void> {
    await m.query(
      `INSERT INTO projection_parked (projection, stream_id, transaction_id, position, event_type, version, error)
       VALUES ($1, $2, $3::xid8, $4, $5, $6, $7) ON CONFLICT (projection, stream_id) DO NOTHING`,
      [checkpoint, event.streamId, event.transactionId, event.position, event.type, event.version, clip(error)],
    );
  },

  /** Oldest first: the order a retry takes them in. */
  async list(m: EntityManager, checkpoint: string): Promise<ParkedStream[]> {
    const rows: Raw[] = await m.query(`SELECT ${COLUMNS} FROM projection_parked WHERE projection = $1 ORDER BY transaction_id, position`, [checkpoint]);
    return rows.map(toParked);
  },

  async byProjection(m: EntityManager): Promise<Map<string, ParkedStream[]>> {
    const rows: (Raw & { projection: string })[] = await m.query(`SELECT projection, ${COLUMNS} FROM projection_parked ORDER BY projection, transaction_id, position`);
    const out = new Map<string, ParkedStream[]>();
    for (const r of rows) (out.get(r.projection) ?? out.set(r.projection, []).get(r.projection)!).push(toParked(r));
    return out;
  },

  /** The stream, still parked, now behind this event (a retry got further, or failed again on the same one). */
  async repark(m: EntityManager, checkpoint: string, event: StoredEvent, error: string): Promise<void> {
    await m.query(
      `UPDATE projection_parked SET transaction_id = $3::xid8, position = $4, event_type = $5, version = $6, error = $7, retried_at = now()
        WHERE projection = $1 AND stream_id = $2`,
      [checkpoint, event.streamId, event.transactionId, event.position, event.type, event.version, clip(error)],
    );
  },

  async release(m: EntityManager, checkpoint: string, stream: string): Promise<void> {
    await m.query('DELETE FROM projection_parked WHERE projection = $1 AND stream_id = $2', [checkpoint, stream]);
  },

  /** A rebuild's parked streams replace the live ones at the swap. */
  async moveSlot(m: EntityManager, from: string, to: string): Promise<void> {
    await m.query('DELETE FROM projection_parked WHERE projection = $1', [to]);
    await m.query('UPDATE projection_parked SET projection = $2 WHERE projection = $1', [from, to]);
  },

  async clearSlot(m: EntityManager, checkpoint: string): Promise<void> {
    await m.query('DELETE FROM projection_parked WHERE projection = $1', [checkpoint]);
  },

  async find(m: EntityManager, checkpoint: string, stream: string): Promise<ParkedStream | undefined> {
    const rows: Raw[] = await m.query(`SELECT ${COLUMNS} FROM projection_parked WHERE projection = $1 AND stream_id = $2`, [checkpoint, stream]);
    return rows[0] ? toParked(rows[0]) : undefined;
  },

  /** Whether any of these projections holds the stream parked (reads and reminders say so, or stay silent). */
  async isParked(m: EntityManager, projections: readonly string[], stream: string): Promise<boolean> {
    const rows: { parked: boolean }[] = await m.query('SELECT EXISTS (SELECT 1 FROM projection_parked WHERE projection = ANY($1::text[]) AND stream_id = $2) AS parked', [projections, stream]);
    return rows[0].parked;
  },
};

export const isAtOrBefore = (a: LogCheckpoint, b: LogCheckpoint): boolean =>
  BigInt(a.transactionId) < BigInt(b.transactionId) || (a.transactionId === b.transactionId && BigInt(a.position) <= BigInt(b.position));

/** The log stream of admins' decisions about one projection (`ProjectionEventSkipped` events). */
export const decisionStream = (projection: string): string => `projection-${projection}`;
export const PROJECTION_EVENT_SKIPPED = 'ProjectionEventSkipped';

export interface ProjectionEventSkipped {
  projection: string;
  /** The event passed over. */
  position: string;
  streamId: string;
  reason: string;
}

/** Positions the decisions (a stream's events, as the log reads them) say this projection passes over: what a rebuild or replay starts from. */
export const skippedIn = (decisions: { type: string; data: Record<string, unknown> }[]): string[] => [
  ...new Set(decisions.filter((e) => e.type === PROJECTION_EVENT_SKIPPED).map((e) => String(e.data.position))),
];
