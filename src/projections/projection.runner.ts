import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../database/database-outage';
import { LogCheckpoint, LoggedEvent, StoredEvent, checkpointOf, compareCheckpoints } from '../events/envelope';
import { EventStore } from '../events/event-store.port';
import { CheckpointRow, Checkpoints, cp } from './checkpoints';
import { ParkedStreams } from './parked-streams';
import { Projection, ProjectionContext, ProjectionSlot, readsLogged, readsType } from './projection';
import { ReadAhead } from './read-ahead';

export const REBUILD_SUFFIX = '__rebuild';

export interface BatchResult {
  applied: number;
  /** Events read (applied, passed over by type, skipped by decision, or held behind a parked event). */
  read: number;
  /** Streams this batch parked (their first failing event). */
  parked: { stream: string; position: string; error: string }[];
  /** The projection is stopped (a state only an older version set) and waits for an operator. */
  stopped?: boolean;
  /** The events read, for the after-commit step (none in a rebuild, which has no such step). */
  committed: StoredEvent[];
}

/** Applies a batch of events to the projection (its `apply`, typed for the events read). */
type Apply<E extends LoggedEvent> = (batch: E[], ctx: ProjectionContext) => Promise<void>;

/** What a slot passes over: positions an admin skipped, streams parked behind a failing event. */
export interface Hold {
  skipped: ReadonlySet<string>;
  parked: Set<string>;
}

export const holdOf = (c: Pick<CheckpointRow, 'skipped' | 'parked'>): Hold => ({ skipped: new Set(c.skipped), parked: new Set(c.parked) });

export const checkpointName = (p: Projection, slot: ProjectionSlot): string => (slot === 'live' ? p.name : `${p.name}${REBUILD_SUFFIX}`);
export const tableName = (table: string, slot: ProjectionSlot): string => (slot === 'live' ? table : `${table}${REBUILD_SUFFIX}`);
/** Advisory-lock key: one owner per projection slot across every worker process. */
export const lockKey = (name: string): string => `almanac:projection:${name}`;

/** Lock and statement timeouts, serialization failures, deadlocks: the moment's fault, not the event's. Retried, never parked. */
const TRANSIENT = new Set(['40001', '40P01', '55P03', '57014']);
export function isTransient(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return true;
  const e = err as { code?: string; driverError?: { code?: string } };
  return TRANSIENT.has(e?.code ?? e?.driverError?.code ?? '');
}

/**
 * Applies the log to a projection in batches. Each batch: take the projection's advisory
 * lock, read after the checkpoint (gap-safe), apply, move the checkpoint — one transaction,
 * so a crash or a retried job never applies an event twice nor skips one.
 *
 * An event the projection cannot apply parks its stream in that projection (with the error):
 * the stream's later events wait behind it, every other stream goes on, and the checkpoint
 * moves past. An operator retries the parked streams after a fix, or skips the one event.
 */
@Injectable()
export class ProjectionRunner {
  private readonly logger = new Logger(ProjectionRunner.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: EventStore,
  ) {}

  /** `physical`: where the slot's tables are (a replay writes them into a schema of its own). */
  context(tx: EntityManager, p: Projection, slot: ProjectionSlot, physical: (table: string) => string = (t) => tableName(t, slot)): ProjectionContext {
    return {
      tx,
      slot,
      table: (name) => {
        if (!p.tables.includes(name)) throw new Error(`projection ${p.name} does not own table ${name}`);
        return physical(name);
      },
    };
  }

  /** Runs batches until the projection has read everything readable; returns what it applied. */
  async catchUp(p: Projection, slot: ProjectionSlot = 'live', batchSize = 500, onBatch?: (r: BatchResult) => void): Promise<{ applied: number; read: number; stopped: boolean }> {
    let applied = 0;
    let read = 0;
    for (;;) {
      const r = await this.runBatch(p, slot, batchSize);
      onBatch?.(r);
      applied += r.applied;
      read += r.read;
      if (r.stopped) return { applied, read, stopped: true };
      // A short batch read everything readable at its snapshot: an empty transaction more
      // would only confirm it (later appends raise the dirty flag, and the job reads again).
      if (r.read < batchSize) return { applied, read, stopped: false };
    }
  }

  /**
   * One batch in one transaction. `until`: never read past this checkpoint (rebuild alignment).
   * When an event fails, the transaction is rolled back and the batch runs again with each
   * event under a savepoint, so the failing one parks its stream and the rest still apply
   * (savepoints cost two round trips an event: only then). `ahead`: a rebuild's replay reads its
   * next page while this batch folds (see ReadAhead).
   */
  async runBatch(p: Projection, slot: ProjectionSlot, batchSize: number, until?: LogCheckpoint, ahead?: ReadAhead): Promise<BatchResult> {
    try {
      return await this.batchIn(p, slot, batchSize, until, false, ahead);
    } catch (err) {
      if (!(err instanceof ProjectionApplyError)) throw err;
      return this.batchIn(p, slot, batchSize, until, true, ahead);
    }
  }

  /** For a rebuild's replay: the next page of the log, read ahead on a connection of its own (not a batch's transaction). */
  readAhead(): ReadAhead {
    return new ReadAhead((after, limit) => this.store.readAllLogged(after, limit));
  }

  private async batchIn(p: Projection, slot: ProjectionSlot, batchSize: number, until: LogCheckpoint | undefined, careful: boolean, ahead?: ReadAhead): Promise<BatchResult> {
    const name = checkpointName(p, slot);
    let committed: StoredEvent[] = [];
    try {
      const result = await this.db.transaction(async (tx) => {
        // Waits for a concurrent owner (bounded), rather than skipping: a skip could leave an
        // event behind that the other owner's last read did not see. (SET LOCAL lock_timeout and
        // the lock in one round trip: the FROM runs first.)
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1)) FROM (SELECT set_config('lock_timeout', '5s', true)) AS t`, [lockKey(name)]);
        let checkpoint = await Checkpoints.get(tx, name, true);
        if (!checkpoint) {
          await Checkpoints.ensure(tx, name);
          checkpoint = (await Checkpoints.get(tx, name, true))!;
        }
        if (checkpoint.state === 'failed') return { applied: 0, read: 0, parked: [], stopped: true, committed: [] };
        return this.applyIn(tx, p, slot, cp(checkpoint), batchSize, until, holdOf(checkpoint), careful, ahead);
      });
      committed = result.committed;
      for (const k of result.parked) this.logger.error({ projection: p.name, slot, ...k }, 'stream parked on an event the projection cannot apply; the others go on');
      return result;
    } finally {
      if (slot === 'live' && committed.length && p.afterCommit) {
        await p.afterCommit(committed).catch((err: unknown) => this.logger.warn({ err, projection: p.name }, 'after-commit step failed; the next batch or sweep retries it'));
      }
    }
  }

  /**
   * Brings several live projections up to the log together: each round is ONE transaction that
   * reads the log once (from the lowest of their checkpoints), applies each projection's share
   * and moves every checkpoint (a wake-up costs about six statements, not seven per projection),
   * and — holding a single transaction id — never holds back the horizon for its own next read.
   * A projection whose lock another owner holds (a rebuild's swap, a retry) is not waited for in
   * that transaction: it runs its own batches afterwards, which wait for the owner as usual.
   */
  async catchUpAll(ps: readonly Projection[], batchSize = 500): Promise<Map<string, { applied: number; read: number; stopped: boolean }>> {
    const out = new Map(ps.map((p) => [p.name, { applied: 0, read: 0, stopped: false }]));
    let together = [...ps];
    const alone: Projection[] = [];
    while (together.length > 0) {
      const round = await this.runBatchAll(together, batchSize);
      for (const [name, r] of round.results) {
        const o = out.get(name)!;
        o.applied += r.applied;
        o.read += r.read;
        o.stopped ||= Boolean(r.stopped);
      }
      alone.push(...round.busy);
      together = together.filter((p) => !round.busy.includes(p) && !out.get(p.name)!.stopped);
      if (round.read < batchSize) break;
    }
    await Promise.all(
      alone.map(async (p) => {
        const r = await this.catchUp(p, 'live', batchSize);
        const o = out.get(p.name)!;
        o.applied += r.applied;
        o.read += r.read;
        o.stopped ||= r.stopped;
      }),
    );
    return out;
  }

  /**
   * One round of catchUpAll. A failing event rolls the whole round back; each projection then
   * runs a batch of its own, where the culprit parks its stream as in runBatch.
   */
  private async runBatchAll(ps: readonly Projection[], batchSize: number): Promise<{ results: Map<string, BatchResult>; busy: Projection[]; read: number }> {
    try {
      return await this.batchAllIn(ps, batchSize);
    } catch (err) {
      if (!(err instanceof ProjectionApplyError)) throw err;
      const results = await Promise.all(ps.map((p) => this.runBatch(p, 'live', batchSize)));
      return { results: new Map(ps.map((p, i) => [p.name, results[i]])), busy: [], read: Math.max(...results.map((r) => r.read)) };
    }
  }

  private async batchAllIn(ps: readonly Projection[], batchSize: number): Promise<{ results: Map<string, BatchResult>; busy: Projection[]; read: number }> {
    const byName = new Map(ps.map((p) => [checkpointName(p, 'live'), p]));
    // Name order, as Checkpoints.many locks the rows: two workers never wait on each other crosswise.
    const names = [...byName.keys()].sort();
    const round = await this.db.transaction(async (tx) => {
      // Tried, not waited for: see catchUpAll.
      const locked: { ok: boolean }[] = await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext(k)) AS ok FROM unnest($1::text[]) WITH ORDINALITY AS n(k, i) ORDER BY i`, [names.map(lockKey)]);
      const mine = names.filter((_, i) => locked[i].ok);
      const busy = names.filter((_, i) => !locked[i].ok).map((n) => byName.get(n)!);
      const results = new Map<string, BatchResult>();
      if (mine.length === 0) return { results, busy, read: 0, applied: [] as [Projection, StoredEvent[]][] };
      let rows = await Checkpoints.many(tx, mine, true);
      if (rows.length < mine.length) {
        for (const name of mine) if (!rows.some((r) => r.name === name)) await Checkpoints.ensure(tx, name);
        rows = await Checkpoints.many(tx, mine, true);
      }
      const running = rows.filter((r) => {
        if (r.state !== 'failed') return true;
        results.set(byName.get(r.name)!.name, { applied: 0, read: 0, parked: [], stopped: true, committed: [] });
        return false;
      });
      if (running.length === 0) return { results, busy, read: 0, applied: [] };
      const from = running.map(cp).reduce((a, b) => (compareCheckpoints(a, b) <= 0 ? a : b));
      const events = await this.store.readAll(from, batchSize, tx);
      const moves: { name: string; to: LogCheckpoint; at: Date }[] = [];
      const applied: [Projection, StoredEvent[]][] = [];
      for (const row of running) {
        const p = byName.get(row.name)!;
        const after = cp(row);
        const share = events.filter((e) => compareCheckpoints(checkpointOf(e), after) > 0);
        const r = await this.applyRead(tx, p, 'live', share, holdOf(row), false, (b, c) => p.apply(b, c));
        results.set(p.name, { ...r, read: share.length });
        if (share.length === 0) continue;
        const last = share[share.length - 1];
        moves.push({ name: row.name, to: checkpointOf(last), at: last.recordedAt });
        applied.push([p, share]);
      }
      await Checkpoints.advanceMany(tx, moves);
      return { results, busy, read: events.length, applied };
    });
    for (const [p, committed] of round.applied) {
      if (p.afterCommit) await p.afterCommit(committed).catch((err: unknown) => this.logger.warn({ err, projection: p.name }, 'after-commit step failed; the next batch or sweep retries it'));
    }
    return round;
  }

  /**
   * Reads and applies one batch inside `tx`, which must hold the slot's lock. Events of parked
   * streams and skipped positions are passed over. `careful`: the batch under a savepoint, then
   * if it fails each event under one, a failing one parks its stream; otherwise the batch is
   * applied as it is and a failure throws ProjectionApplyError (the caller rolls back and goes
   * again carefully).
   */
  async applyIn(
    tx: EntityManager,
    p: Projection,
    slot: ProjectionSlot,
    after: LogCheckpoint,
    batchSize: number,
    until: LogCheckpoint | undefined,
    hold: Hold,
    careful = true,
    ahead?: ReadAhead,
  ): Promise<BatchResult> {
    // A rebuild runs no after-commit step, so a projection that folds logged events gets no more.
    if (slot === 'rebuild' && readsLogged(p)) {
      const read = (ahead && !until ? await ahead.take(after, batchSize) : null) ?? (await this.store.readAllLogged(after, batchSize, tx));
      // A full page: the next one is read while this one folds and writes (a short one was the end).
      if (ahead && !until && read.length === batchSize) ahead.start(checkpointOf(read[read.length - 1]), batchSize);
      const r = await this.applyRange(tx, p, slot, read, until, hold, careful, (b, c) => p.apply(b, c));
      return { ...r, committed: [] };
    }
    return this.applyRange(tx, p, slot, await this.store.readAll(after, batchSize, tx), until, hold, careful, (b, c) => p.apply(b, c));
  }

  private async applyRange<E extends LoggedEvent>(
    tx: EntityManager,
    p: Projection,
    slot: ProjectionSlot,
    read: E[],
    until: LogCheckpoint | undefined,
    hold: Hold,
    careful: boolean,
    apply: Apply<E>,
  ): Promise<Omit<BatchResult, 'committed'> & { committed: E[] }> {
    const events = until ? read.filter((e) => compareCheckpoints(checkpointOf(e), until) <= 0) : read;
    if (events.length === 0) return { applied: 0, read: 0, parked: [], committed: [] };
    const r = await this.applyRead(tx, p, slot, events, hold, careful, apply);
    const last = events[events.length - 1];
    await Checkpoints.advance(tx, checkpointName(p, slot), checkpointOf(last), last.recordedAt);
    return r;
  }

  /** Applies events already read (in log order, after the slot's checkpoint); the caller moves the checkpoint. */
  private async applyRead<E extends LoggedEvent>(
    tx: EntityManager,
    p: Projection,
    slot: ProjectionSlot,
    events: E[],
    hold: Hold,
    careful: boolean,
    apply: Apply<E>,
  ): Promise<Omit<BatchResult, 'committed'> & { committed: E[] }> {
    if (events.length === 0) return { applied: 0, read: 0, parked: [], committed: [] };
    const ctx = this.context(tx, p, slot);
    const relevant = events.filter((e) => readsType(p, e.type) && !hold.skipped.has(e.position) && !hold.parked.has(e.streamId));
    const parked: BatchResult['parked'] = [];
    let applied = relevant.length;
    if (!careful) {
      // No savepoint on the first try (two round trips a batch, on every batch): a failure
      // rolls the whole transaction back and runBatch goes again carefully, which finds the culprit.
      if (relevant.length > 0) {
        try {
          await apply(relevant, ctx);
        } catch (err) {
          if (isTransient(err)) throw err;
          throw new ProjectionApplyError(relevant[0], err);
        }
      }
    } else if (!(relevant.length > 1 && (await this.tryBatch(tx, ctx, p, relevant, apply)))) {
      for (const e of relevant) {
        if (hold.parked.has(e.streamId)) {
          applied--; // behind an event of its stream that this batch parked
          continue;
        }
        const error = await this.guarded(ctx, e, apply);
        if (error === null) continue;
        await ParkedStreams.park(tx, checkpointName(p, slot), e, error);
        hold.parked.add(e.streamId);
        parked.push({ stream: e.streamId, position: e.position, error });
        applied--;
      }
    }
    return { applied, read: events.length, parked, committed: events };
  }

  /** A stream's events from `from` to `to` (inclusive, log order) in `tx`: what a parked stream re-applies. */
  streamBetween(tx: EntityManager, stream: string, from: LogCheckpoint, to: LogCheckpoint): Promise<StoredEvent[]> {
    return this.store.readStreamBetween(tx, stream, from, to);
  }

  /** Applies one event under a savepoint: null when applied, else why not (rolled back to before it). Transient errors are thrown. */
  applyGuarded(ctx: ProjectionContext, p: Projection, e: StoredEvent): Promise<string | null> {
    return this.guarded(ctx, e, (b, c) => p.apply(b, c));
  }

  private async guarded<E extends LoggedEvent>(ctx: ProjectionContext, e: E, apply: Apply<E>): Promise<string | null> {
    await ctx.tx.query('SAVEPOINT apply_event');
    try {
      await apply([e], ctx);
      await ctx.tx.query('RELEASE SAVEPOINT apply_event');
      return null;
    } catch (err) {
      if (isTransient(err)) throw err;
      await ctx.tx.query('ROLLBACK TO SAVEPOINT apply_event');
      return new ProjectionApplyError(e, err).message;
    }
  }

  /** False when the batch failed: rolled back to before it, so the caller can apply event by event and name the culprit. */
  private async tryBatch<E extends LoggedEvent>(tx: EntityManager, ctx: ProjectionContext, p: Projection, events: E[], apply: Apply<E>): Promise<boolean> {
    await tx.query('SAVEPOINT apply_batch');
    try {
      await apply(events, ctx);
      await tx.query('RELEASE SAVEPOINT apply_batch');
      return true;
    } catch (err) {
      if (isTransient(err)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT apply_batch');
      this.logger.warn({ err, projection: p.name, events: events.length }, 'batch apply failed; applying event by event to find the culprit');
      return false;
    }
  }
}

export class ProjectionApplyError extends Error {
  constructor(
    readonly event: LoggedEvent,
    cause: unknown,
  ) {
    super(`event at position ${event.position} (${event.type} ${event.streamId} v${event.version}): ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ProjectionApplyError';
  }
}
