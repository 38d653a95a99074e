import type { EntityManager } from 'typeorm';
import type { LoggedEvent, StoredEvent } from '../events/envelope';

/** `live` serves reads; `rebuild` fills fresh tables from position 0 and never has side effects. */
export type ProjectionSlot = 'live' | 'rebuild';

export interface ProjectionContext {
  tx: EntityManager;
  slot: ProjectionSlot;
  /** Physical name of each declared table in this slot: always write through it. */
  table(name: string): string;
}

/**
 * A read model fed by the log. The runner applies events in (transaction_id, position)
 * order, inside the transaction that moves the checkpoint, under one owner at a time.
 */
export interface Projection {
  readonly name: string;
  /** Event types it reads (`'all'`: every event, whatever its type); others only move the checkpoint. */
  readonly eventTypes: readonly string[] | 'all';
  /** Tables it owns: rebuilt together into fresh copies and swapped atomically. */
  readonly tables: readonly string[];
  /** Columns that legitimately differ between a rebuild and the live model (ignored by verify). */
  readonly volatileColumns?: readonly string[];
  /**
   * Applies events in log order, with the same rows whether they come as one batch or one by
   * one: the runner hands over a whole batch, and the batch of one when it applies an event
   * alone (a failed batch rolled back to find its culprit, a parked stream's retry, a replay).
   */
  apply(batch: StoredEvent[], ctx: ProjectionContext): Promise<void>;
  /** Side effects after the batch committed (live slot only; a replay never repeats them). */
  afterCommit?(events: StoredEvent[]): Promise<void>;
  /** `'logged'`: apply reads no id, metadata or hash (see LoggedProjection). */
  readonly reads?: 'logged';
}

/**
 * A projection whose `apply` takes events as a fold reads them (LoggedEvent): a rebuild reads the
 * log for it without ids, metadata and hashes, most of the bytes it would otherwise parse.
 */
export interface LoggedProjection extends Projection {
  readonly reads: 'logged';
  apply(batch: LoggedEvent[], ctx: ProjectionContext): Promise<void>;
}

export const readsLogged = (p: Projection): p is LoggedProjection => p.reads === 'logged';

export const readsType = (p: Pick<Projection, 'eventTypes'>, type: string): boolean => p.eventTypes === 'all' || p.eventTypes.includes(type);

export const PROJECTION_METADATA = 'almanac:projection';

/** A batch's events of the streams named `<prefix><id>`, by id, each in batch (= stream) order: what a projection's `apply` folds. */
export function byStream<E extends LoggedEvent>(events: E[], prefix: string): Map<string, E[]> {
  // Grouped by the stream's name as read (its hash is kept with the string), the id cut once a
  // stream: a rebuild cut and hashed a fresh id string for every one of its events.
  const named = new Map<string, E[]>();
  for (const e of events) {
    const list = named.get(e.streamId);
    if (list) list.push(e);
    else if (e.streamId.startsWith(prefix)) named.set(e.streamId, [e]);
  }
  const streams = new Map<string, E[]>();
  for (const [name, list] of named) streams.set(name.slice(prefix.length), list);
  return streams;
}
