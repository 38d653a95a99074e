import { EventMetadata, LOG_START, LogCheckpoint, LoggedEvent, NewEvent, StoredEvent, checkpointOf } from './envelope';

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`stream ${streamId}: expected version ${expectedVersion}, found ${actualVersion}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export interface AppendResult {
  /** Version of the stream after the append. */
  version: number;
  /** Position of the last appended event (the value of `X-Log-Position`). */
  position: string;
  events: StoredEvent[];
}

/** One stream's part of a multi-stream append. */
export interface StreamAppend {
  streamId: string;
  /** The stream's version the caller decided on (0 for a new stream). */
  expectedVersion: number;
  events: NewEvent[];
}

/** Narrows a global read to some events (e.g. a webhook endpoint's calendar events of chosen types). */
export interface LogFilter {
  /** Only streams whose id starts with this (e.g. `calendar-event-`). */
  streamPrefix?: string;
  /** Only these event types; empty or absent: every type. */
  types?: readonly string[];
}

export function matchesFilter(e: Pick<StoredEvent, 'streamId' | 'type'>, f: LogFilter): boolean {
  return (!f.streamPrefix || e.streamId.startsWith(f.streamPrefix)) && (!f.types?.length || f.types.includes(e.type));
}

export interface ReadStreamOptions {
  /** Only events recorded at or before this instant (time travel for auditors). */
  recordedUntil?: Date;
}

/**
 * A transaction of the store's own kind (the Postgres adapter: a TypeORM EntityManager), so a
 * consumer reads the log inside the transaction that also writes its checkpoint.
 */
export type LogTransaction = unknown;

/** How far a consumer at a checkpoint is behind the log. */
export interface LogLag {
  events: number;
  /** Recorded time of the oldest event not yet consumed. */
  oldest: Date | null;
}

/** Called after a successful commit; used to wake consumers. Never fails an append. */
export type AppendListener = (result: AppendResult) => void | Promise<void>;

/** The log port: the Postgres adapter and an in-memory one implement it; nobody else sees SQL on the log. */
export abstract class EventStore {
  /**
   * Appends atomically. `expectedVersion` is the stream's version the caller decided on
   * (0 for a new stream); any other version is a WrongExpectedVersionError, never an overwrite.
   */
  abstract append(streamId: string, expectedVersion: number, events: NewEvent[], metadata: EventMetadata): Promise<AppendResult>;

  /**
   * Appends to several (distinct) streams in one transaction: all of them, or none when any
   * stream's version is not the expected one (that stream's WrongExpectedVersionError). One
   * decision that changes two aggregates (a series split in two) is never half recorded.
   * Results in the order of `appends`; listeners are told of each after the commit.
   */
  abstract appendMany(appends: StreamAppend[], metadata: EventMetadata): Promise<AppendResult[]>;

  abstract readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /** Several whole streams, each in version order (a stream with no events maps to []). */
  async readStreams(streamIds: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    const all = await Promise.all(streamIds.map((id) => this.readStream(id)));
    return new Map(streamIds.map((id, i) => [id, all[i]]));
  }

  /**
   * Gap-safe global read: events after `after` in (transactionId, position) order, limited to
   * transactions that are no longer in flight, so a late commit is never skipped.
   */
  abstract readAll(after: LogCheckpoint, limit: number, within?: LogTransaction): Promise<StoredEvent[]>;

  /** `readAll` without ids, metadata and hashes (a replay's read); this default reads them all the same. */
  readAllLogged(after: LogCheckpoint, limit: number, within?: LogTransaction): Promise<LoggedEvent[]> {
    return this.readAll(after, limit, within);
  }

  /** A stream's events from `from` to `to` (both inclusive, in log order): what a parked stream re-applies. */
  abstract readStreamBetween(within: LogTransaction, streamId: string, from: LogCheckpoint, to: LogCheckpoint): Promise<StoredEvent[]>;

  /**
   * `readAll` narrowed by a filter: same order and gap safety, other events passed over. This
   * default filters a plain read; a store overrides it to filter where the events are kept.
   */
  async readFiltered(after: LogCheckpoint, limit: number, filter: LogFilter): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    let from = after;
    for (;;) {
      const batch = await this.readAll(from, Math.max(limit, 500));
      for (const e of batch) if (matchesFilter(e, filter) && out.length < limit) out.push(e);
      if (out.length >= limit || batch.length === 0) return out;
      from = checkpointOf(batch[batch.length - 1]);
    }
  }

  /** The checkpoint of the event at this position (to resume just after it), or null if none. */
  async checkpointAt(position: string): Promise<LogCheckpoint | null> {
    return (await this.locate(position)).checkpoint;
  }

  /**
   * The checkpoint of the newest readable event (LOG_START for an empty log): a new consumer
   * that starts there sees every event committed after it and none before.
   */
  async latestCheckpoint(): Promise<LogCheckpoint> {
    let last = LOG_START;
    for (;;) {
      const batch = await this.readAll(last, 1000);
      if (batch.length === 0) return last;
      last = checkpointOf(batch[batch.length - 1]);
    }
  }

  /** The newest readable checkpoint and the highest position committed. */
  abstract head(): Promise<{ position: string; recordedAt: Date | null }>;

  /** Committed events after a checkpoint (behind transactions in flight or not), of the filter when given: a consumer's lag. */
  abstract lagAfter(after: LogCheckpoint, filter?: LogFilter): Promise<LogLag>;

  /** Whether any committed event lies after a checkpoint. */
  abstract hasAfter(after: LogCheckpoint): Promise<boolean>;

  /** Events in the log. */
  abstract count(): Promise<number>;

  /**
   * Where the event at `position` sits in the read order (null when no event has that position:
   * a rolled-back transaction's), with the highest position committed.
   */
  abstract locate(position: string): Promise<{ checkpoint: LogCheckpoint | null; head: string }>;

  /** Told after every committed append. */
  abstract onAppended(listener: AppendListener): void;

  /** Told of every append refused for a wrong expected version (metrics). */
  abstract onConflict(listener: () => void): void;
}
