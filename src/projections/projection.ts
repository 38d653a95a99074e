import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../events/envelope';

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
  apply(ctx: ProjectionContext, event: StoredEvent): Promise<void>;
  /**
   * Optional: applies several events at once, with the same result as `apply` on each in order
   * (a few statements per batch instead of a few per event: rebuilds and busy logs). If it
   * throws, the runner rolls it back and applies the batch event by event to name the culprit.
   */
  applyBatch?(ctx: ProjectionContext, events: StoredEvent[]): Promise<void>;
  /** Side effects after the batch committed (live slot only; a replay never repeats them). */
  afterCommit?(events: StoredEvent[]): Promise<void>;
}

export const readsType = (p: Pick<Projection, 'eventTypes'>, type: string): boolean => p.eventTypes === 'all' || p.eventTypes.includes(type);

export const PROJECTION_METADATA = 'almanac:projection';

/** A batch's events of the streams named `<prefix><id>`, by id, each in batch (= stream) order: what an `applyBatch` folds. */
export function byStream(events: StoredEvent[], prefix: string): Map<string, StoredEvent[]> {
  const streams = new Map<string, StoredEvent[]>();
  for (const e of events) {
    if (!e.streamId.startsWith(prefix)) continue;
    const id = e.streamId.slice(prefix.length);
    (streams.get(id) ?? streams.set(id, []).get(id)!).push(e);
  }
  return streams;
}
