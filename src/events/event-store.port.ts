import { EventMetadata, LOG_START, LogCheckpoint, NewEvent, StoredEvent, checkpointOf } from './envelope';

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

/** Told of every append after it commits. */
export type AppendListener = (result: AppendResult) => void | Promise<void>;

export interface ReadStreamOptions {
  /** Only events recorded at or before this instant (time travel for auditors). */
  recordedUntil?: Date;
}

/** The log port. One Postgres adapter implements it; domain code never sees SQL. */
export abstract class EventStore {
  /**
   * Appends atomically. `expectedVersion` is the stream's version the caller decided on
   * (0 for a new stream); any other version is a WrongExpectedVersionError, never an overwrite.
   */
  abstract append(streamId: string, expectedVersion: number, events: NewEvent[], metadata: EventMetadata): Promise<AppendResult>;

  abstract readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /**
   * Gap-safe global read: events after `after` in (transactionId, position) order, limited to
   * transactions that are no longer in flight, so a late commit is never skipped.
   */
  abstract readAll(after: LogCheckpoint, limit: number): Promise<StoredEvent[]>;

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
    for (let from = LOG_START; ; ) {
      const batch = await this.readAll(from, 1000);
      const found = batch.find((e) => e.position === position);
      if (found) return checkpointOf(found);
      if (batch.length === 0) return null;
      from = checkpointOf(batch[batch.length - 1]);
    }
  }

  /** How many events of the filter lie after a checkpoint, and when the oldest of them was recorded (lag). */
  async countAfter(after: LogCheckpoint, filter: LogFilter): Promise<{ events: number; oldest: Date | null }> {
    let events = 0;
    let oldest: Date | null = null;
    for (let from = after; ; ) {
      const batch = await this.readAll(from, 1000);
      if (batch.length === 0) return { events, oldest };
      for (const e of batch) {
        if (!matchesFilter(e, filter)) continue;
        events++;
        if (!oldest || e.recordedAt < oldest) oldest = e.recordedAt;
      }
      from = checkpointOf(batch[batch.length - 1]);
    }
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

  /**
   * Called after each append commits (never awaited by it, never failing it): wakes consumers
   * of the log. A store that cannot tell leaves this as it is and consumers rely on their sweeps.
   */
  onAppended(_listener: AppendListener): void {}

  /** The newest readable checkpoint and the highest position committed. */
  abstract head(): Promise<{ position: string; recordedAt: Date | null }>;
}
