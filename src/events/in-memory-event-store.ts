import type { EventMetadata, LogCheckpoint, NewEvent, StoredEvent } from './envelope';
import { checkpointOf, compareCheckpoints } from './envelope';
import { AppendListener, AppendResult, EventStore, LogFilter, LogLag, ReadStreamOptions, StreamAppend, WrongExpectedVersionError, matchesFilter } from './event-store.port';
import { ChainedEvent, GENESIS_HASH, chainEvents } from './hash-chain';
import { UpcasterRegistry } from './upcasters';

/** One stored event as the log keeps it: raw data (what the hash covers), never upcast. */
interface Held extends ChainedEvent {
  position: string;
  transactionId: string;
}

/** The log an in-memory store writes; stores built over the same log see the same events. */
export class InMemoryLog {
  readonly events: Held[] = [];
  readonly streams = new Map<string, Held[]>();
  transactions = 0;
}

/** A copy as jsonb would give it back: the caller can never alter what the log holds. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The EventStore port over memory, with the Postgres store's guarantees: atomic appends, a
 * version conflict for a wrong expected version, one global order, the same hash chain and the
 * same upcasting on read. Every append is its own transaction and commits at once, so the
 * global order is simply the append order. For tests and tools; nothing survives the process.
 */
export class InMemoryEventStore extends EventStore {
  private readonly listeners: AppendListener[] = [];
  private readonly conflictListeners: (() => void)[] = [];

  constructor(
    private readonly upcasters: UpcasterRegistry = new UpcasterRegistry(),
    private readonly log: InMemoryLog = new InMemoryLog(),
  ) {
    super();
  }

  async append(streamId: string, expectedVersion: number, events: NewEvent[], metadata: EventMetadata): Promise<AppendResult> {
    return (await this.appendMany([{ streamId, expectedVersion, events }], metadata))[0];
  }

  async appendMany(appends: StreamAppend[], metadata: EventMetadata): Promise<AppendResult[]> {
    if (appends.length === 0 || appends.some((a) => a.events.length === 0))
      throw new Error(appends.length === 1 ? 'append needs at least one event' : 'appendMany needs at least one event per stream');
    if (new Set(appends.map((a) => a.streamId)).size !== appends.length) throw new Error('appendMany takes each stream once');
    // No await from here to the end: every check, then every write, is one atomic step.
    for (const a of appends) {
      const stream = this.log.streams.get(a.streamId) ?? [];
      const actual = stream[stream.length - 1]?.version ?? 0;
      if (actual !== a.expectedVersion) {
        for (const l of this.conflictListeners) l();
        throw new WrongExpectedVersionError(a.streamId, a.expectedVersion, actual);
      }
    }
    const recordedAt = new Date();
    const transactionId = String(++this.log.transactions);
    const results = appends.map(({ streamId, expectedVersion, events }) => {
      const stream = this.log.streams.get(streamId) ?? [];
      const last = stream[stream.length - 1];
      const versioned = events.map((e) => ({ type: e.type, schemaVersion: this.upcasters.currentVersion(e.type), data: copy(e.data) }));
      const held = chainEvents(streamId, expectedVersion, last?.hash ?? GENESIS_HASH, versioned, copy(metadata), recordedAt).map((c, i): Held => ({
        ...c,
        transactionId,
        position: String(this.log.events.length + i + 1),
      }));
      this.log.events.push(...held);
      this.log.streams.set(streamId, [...stream, ...held]);
      const stored = held.map((h) => this.toStored(h));
      return { version: expectedVersion + events.length, position: stored[stored.length - 1].position, events: stored };
    });
    // After the commit, never awaited, as the Postgres store does.
    for (const result of results)
      for (const l of this.listeners)
        void Promise.resolve()
          .then(() => l(result))
          .catch(() => undefined);
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const until = options.recordedUntil?.getTime();
    const stream = this.log.streams.get(streamId) ?? [];
    return stream.filter((h) => until === undefined || Date.parse(h.recordedAt) <= until).map((h) => this.toStored(h));
  }

  async readAll(after: LogCheckpoint, limit: number): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for (const h of this.log.events) {
      if (out.length >= limit) break;
      if (compareCheckpoints(checkpointOf(h), after) > 0) out.push(this.toStored(h));
    }
    return out;
  }

  async head(): Promise<{ position: string; recordedAt: Date | null }> {
    const last = this.log.events[this.log.events.length - 1];
    return { position: last?.position ?? '0', recordedAt: last ? new Date(last.recordedAt) : null };
  }

  async readStreamBetween(_within: unknown, streamId: string, from: LogCheckpoint, to: LogCheckpoint): Promise<StoredEvent[]> {
    const stream = this.log.streams.get(streamId) ?? [];
    return stream.filter((h) => compareCheckpoints(checkpointOf(h), from) >= 0 && compareCheckpoints(checkpointOf(h), to) <= 0).map((h) => this.toStored(h));
  }

  async lagAfter(after: LogCheckpoint, filter: LogFilter = {}): Promise<LogLag> {
    const behind = this.log.events.filter((h) => compareCheckpoints(checkpointOf(h), after) > 0 && matchesFilter(h, filter));
    const oldest = behind.reduce<number | null>((min, h) => Math.min(min ?? Infinity, Date.parse(h.recordedAt)), null);
    return { events: behind.length, oldest: oldest === null ? null : new Date(oldest) };
  }

  async hasAfter(after: LogCheckpoint): Promise<boolean> {
    return this.log.events.some((h) => compareCheckpoints(checkpointOf(h), after) > 0);
  }

  async count(): Promise<number> {
    return this.log.events.length;
  }

  async locate(position: string): Promise<{ checkpoint: LogCheckpoint | null; head: string }> {
    const found = this.log.events.find((h) => h.position === position);
    return { checkpoint: found ? checkpointOf(found) : null, head: (await this.head()).position };
  }

  onAppended(listener: AppendListener): void {
    this.listeners.push(listener);
  }

  onConflict(listener: () => void): void {
    this.conflictListeners.push(listener);
  }

  private toStored(h: Held): StoredEvent {
    const { schemaVersion, data } = this.upcasters.upcast(h.type, h.schemaVersion, copy(h.data) as Record<string, unknown>);
    return {
      id: h.id,
      position: h.position,
      transactionId: h.transactionId,
      streamId: h.streamId,
      version: h.version,
      type: h.type,
      schemaVersion,
      data,
      metadata: copy(h.metadata) as EventMetadata,
      recordedAt: new Date(h.recordedAt),
      prevHash: h.prevHash,
      hash: h.hash,
    };
  }
}
