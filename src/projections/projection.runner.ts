import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../database/database-outage';
import { LogCheckpoint, StoredEvent, checkpointOf, compareCheckpoints } from '../events/envelope';
import { PostgresEventStore } from '../events/postgres-event-store';
import { Checkpoints, cp } from './checkpoints';
import { Projection, ProjectionContext, ProjectionSlot, readsType } from './projection';

export const REBUILD_SUFFIX = '__rebuild';

export interface BatchResult {
  applied: number;
  /** Events read (applied or skipped by type). */
  read: number;
  failed?: { position: string; error: string };
  /** The projection is stopped after a failure and waits for an operator. */
  stopped?: boolean;
  committed: StoredEvent[];
}

export const checkpointName = (p: Projection, slot: ProjectionSlot): string => (slot === 'live' ? p.name : `${p.name}${REBUILD_SUFFIX}`);
export const tableName = (table: string, slot: ProjectionSlot): string => (slot === 'live' ? table : `${table}${REBUILD_SUFFIX}`);
/** Advisory-lock key: one owner per projection slot across every worker process. */
export const lockKey = (name: string): string => `almanac:projection:${name}`;

/**
 * Applies the log to a projection in batches. Each batch: take the projection's advisory
 * lock, read after the checkpoint (gap-safe), apply, move the checkpoint — one transaction,
 * so a crash or a retried job never applies an event twice nor skips one.
 */
@Injectable()
export class ProjectionRunner {
  private readonly logger = new Logger(ProjectionRunner.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: PostgresEventStore,
  ) {}

  context(tx: EntityManager, p: Projection, slot: ProjectionSlot): ProjectionContext {
    return {
      tx,
      slot,
      table: (name) => {
        if (!p.tables.includes(name)) throw new Error(`projection ${p.name} does not own table ${name}`);
        return tableName(name, slot);
      },
    };
  }

  /** Runs batches until the projection has read everything readable; returns what it applied. */
  async catchUp(p: Projection, slot: ProjectionSlot = 'live', batchSize = 500, onBatch?: (r: BatchResult) => void): Promise<{ applied: number; read: number; stopped: boolean }> {
    let applied = 0;
    let read = 0;
    let size = batchSize;
    for (;;) {
      const r = await this.runBatch(p, slot, size);
      onBatch?.(r);
      applied += r.applied;
      read += r.read;
      if (r.stopped) return { applied, read, stopped: true };
      if (r.failed) {
        // Find the exact event at fault: go on one event at a time up to it.
        if (size > 1) {
          size = 1;
          continue;
        }
        await this.db.transaction((tx) => Checkpoints.fail(tx, checkpointName(p, slot), r.failed!.position, r.failed!.error));
        this.logger.error({ projection: p.name, slot, position: r.failed.position, error: r.failed.error }, 'projection stopped on a failing event');
        return { applied, read, stopped: true };
      }
      // A short batch read everything readable at its snapshot: an empty transaction more
      // would only confirm it (later appends raise the dirty flag, and the job reads again).
      if (r.read < size) return { applied, read, stopped: false };
      if (size === 1) size = batchSize;
    }
  }

  /** One batch in one transaction. `until`: never read past this checkpoint (rebuild alignment). */
  async runBatch(p: Projection, slot: ProjectionSlot, batchSize: number, until?: LogCheckpoint): Promise<BatchResult> {
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
        if (checkpoint.state === 'failed') return { applied: 0, read: 0, stopped: true, committed: [] };
        return this.applyIn(tx, p, slot, cp(checkpoint), batchSize, until);
      });
      committed = result.committed;
      return result;
    } catch (err) {
      if (err instanceof ProjectionApplyError) return { applied: 0, read: 0, failed: { position: err.event.position, error: err.message }, committed: [] };
      throw err;
    } finally {
      if (slot === 'live' && committed.length && p.afterCommit) {
        await p.afterCommit(committed).catch((err: unknown) => this.logger.warn({ err, projection: p.name }, 'after-commit step failed; the next batch or sweep retries it'));
      }
    }
  }

  /** Reads and applies one batch inside `tx`, which must hold the slot's lock. */
  async applyIn(tx: EntityManager, p: Projection, slot: ProjectionSlot, after: LogCheckpoint, batchSize: number, until?: LogCheckpoint): Promise<BatchResult> {
    let events = await this.store.readAll(after, batchSize, tx);
    if (until) events = events.filter((e) => compareCheckpoints(checkpointOf(e), until) <= 0);
    if (events.length === 0) return { applied: 0, read: 0, committed: [] };
    const ctx = this.context(tx, p, slot);
    const relevant = events.filter((e) => readsType(p, e.type));
    if (!(relevant.length > 1 && p.applyBatch && (await this.tryBatch(tx, ctx, p, relevant)))) {
      for (const e of relevant) {
        try {
          await p.apply(ctx, e);
        } catch (err) {
          if (isDatabaseUnavailable(err)) throw err;
          throw new ProjectionApplyError(e, err);
        }
      }
    }
    const applied = relevant.length;
    const last = events[events.length - 1];
    await Checkpoints.advance(tx, checkpointName(p, slot), checkpointOf(last), last.recordedAt);
    return { applied, read: events.length, committed: events };
  }

  /** False when the batch failed: rolled back to before it, so the caller can apply event by event and name the culprit. */
  private async tryBatch(tx: EntityManager, ctx: ProjectionContext, p: Projection, events: StoredEvent[]): Promise<boolean> {
    await tx.query('SAVEPOINT apply_batch');
    try {
      await p.applyBatch!(ctx, events);
      await tx.query('RELEASE SAVEPOINT apply_batch');
      return true;
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT apply_batch');
      this.logger.warn({ err, projection: p.name, events: events.length }, 'batch apply failed; applying event by event to find the culprit');
      return false;
    }
  }
}

export class ProjectionApplyError extends Error {
  constructor(
    readonly event: StoredEvent,
    cause: unknown,
  ) {
    super(`event at position ${event.position} (${event.type} ${event.streamId} v${event.version}): ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ProjectionApplyError';
  }
}
