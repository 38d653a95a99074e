import type { EventMetadata, NewEvent, StoredEvent } from './envelope';
import { EventStore, WrongExpectedVersionError } from './event-store.port';

/** A pure decider: the domain's whole behaviour, no I/O, no clock. */
export interface Decider<S, C, E extends NewEvent> {
  initialState: S;
  decide(state: S, command: C): E[];
  evolve(state: S, event: E): S;
}

export interface Loaded<S> {
  state: S;
  version: number;
  /** Position of the stream's last event, '0' for an empty stream. */
  position: string;
}

/** Folds a stream into state. `aggregate` is the read half of every command handler. */
export async function aggregate<S, C, E extends NewEvent>(store: EventStore, streamId: string, decider: Decider<S, C, E>, until?: Date): Promise<Loaded<S> & { events: StoredEvent[] }> {
  const events = await store.readStream(streamId, until ? { recordedUntil: until } : {});
  return { ...fold(decider, events), events };
}

export function fold<S, C, E extends NewEvent>(decider: Decider<S, C, E>, events: StoredEvent[]): Loaded<S> {
  let state = decider.initialState;
  for (const e of events) state = decider.evolve(state, { type: e.type, data: e.data } as E);
  const last = events[events.length - 1];
  return { state, version: last?.version ?? 0, position: last?.position ?? '0' };
}

export class VersionMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`If-Match expected version ${expected}, the event is at version ${actual}`);
    this.name = 'VersionMismatchError';
  }
}

export interface ExecuteOptions {
  /** From `If-Match`: the client insists on this version; a mismatch is never retried. */
  ifMatch?: number;
  metadata: EventMetadata;
  /** Attempts when another writer wins the race and no If-Match was given. */
  maxAttempts?: number;
  /**
   * The stream's id was just drawn at random: the first attempt decides on the empty stream
   * without reading it (one round trip less); were it taken after all, the append's version
   * check refuses it and the next attempt reads.
   */
  newStream?: boolean;
}

export interface Executed<S> extends Loaded<S> {
  appended: StoredEvent[];
}

/**
 * Load, decide, append. Without If-Match a lost race is retried on fresh state, since the
 * decision is re-made against what the winner wrote; with If-Match it is the caller's conflict.
 */
export async function execute<S, C, E extends NewEvent>(store: EventStore, streamId: string, decider: Decider<S, C, E>, command: C, options: ExecuteOptions): Promise<Executed<S>> {
  const maxAttempts = options.maxAttempts ?? 50;
  for (let attempt = 1; ; attempt++) {
    const loaded = attempt === 1 && options.newStream ? fold(decider, []) : await aggregate(store, streamId, decider);
    if (options.ifMatch !== undefined && options.ifMatch !== loaded.version) {
      throw new VersionMismatchError(options.ifMatch, loaded.version);
    }
    const events = decider.decide(loaded.state, command);
    if (events.length === 0) return { ...loaded, appended: [] };
    try {
      const result = await store.append(streamId, loaded.version, events, options.metadata);
      const state = events.reduce(decider.evolve, loaded.state);
      return { state, version: result.version, position: result.position, appended: result.events };
    } catch (err) {
      if (!(err instanceof WrongExpectedVersionError) || options.ifMatch !== undefined || attempt >= maxAttempts) {
        if (err instanceof WrongExpectedVersionError && options.ifMatch !== undefined) {
          throw new VersionMismatchError(options.ifMatch, err.actualVersion);
        }
        throw err;
      }
      // Jittered back-off so 30 racing writers do not stampede in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * attempt)));
    }
  }
}
