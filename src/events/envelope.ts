/** What a command handler hands to the store: the domain event and its shape's version. */
export interface NewEvent<T extends string = string, D extends object = object> {
  type: T;
  data: D;
}

/** Who caused a change and why; stored with every event (contract field names). */
export interface EventMetadata {
  /** JWT subject, `subscriber:<id>` or `system`. */
  actor: string;
  correlationId: string;
  causationId: string;
  idempotencyKey?: string;
  [extra: string]: unknown;
}

/** An event as it stands in the log, after upcasting to the current schema. */
export interface StoredEvent<D = Record<string, unknown>> {
  id: string;
  /** Global order; bigint, kept as a string so no precision is lost. */
  position: string;
  /** xid8 of the writing transaction; with `position` it forms the gap-safe checkpoint. */
  transactionId: string;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  recordedAt: Date;
  prevHash: string;
  hash: string;
}

/**
 * An event as a fold reads it: no id, metadata or hashes. A rebuild reads the log in this shape
 * for a projection that declares it needs no more (those columns are most of a row's bytes).
 */
export type LoggedEvent<D = Record<string, unknown>> = Omit<StoredEvent<D>, 'id' | 'metadata' | 'prevHash' | 'hash'>;

/**
 * A point in the global log that readers resume after. Ordered by (transactionId, position):
 * positions come from a sequence and can commit out of order, transaction ids bound that.
 */
export interface LogCheckpoint {
  transactionId: string;
  position: string;
}

export const LOG_START: LogCheckpoint = { transactionId: '0', position: '0' };

export function compareCheckpoints(a: LogCheckpoint, b: LogCheckpoint): number {
  const t = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (t !== 0n) return t < 0n ? -1 : 1;
  const p = BigInt(a.position) - BigInt(b.position);
  return p === 0n ? 0 : p < 0n ? -1 : 1;
}

export function checkpointOf(e: Pick<StoredEvent, 'transactionId' | 'position'>): LogCheckpoint {
  return { transactionId: e.transactionId, position: e.position };
}

/** The JSON shape of a stored event for history, audit log and export readers. */
export function eventView(e: StoredEvent) {
  return {
    position: e.position,
    id: e.id,
    streamId: e.streamId,
    version: e.version,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt.toISOString(),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
