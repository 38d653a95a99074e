import type { EventMetadata, LogCheckpoint, NewEvent, StoredEvent } from './envelope';

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

  /** The newest readable checkpoint and the highest position committed. */
  abstract head(): Promise<{ position: string; recordedAt: Date | null }>;
}
