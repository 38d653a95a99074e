import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LogCheckpoint, StoredEvent, compareCheckpoints } from '../events/envelope';
import { Checkpoints, PROGRESS_CHANNEL, cp, progressPayload } from './checkpoints';
import { Projection } from './projection';
import { ProjectionRegistry } from './projection.registry';
import { EventStore } from '../events/event-store.port';
import { quoteIdent } from '../events/event-privileges';
import { ParkedStreams, decisionStream, skippedIn } from './parked-streams';
import { ProjectionRunner, checkpointName, holdOf, lockKey, tableName } from './projection.runner';

export interface TableDifference {
  table: string;
  /** Rows in the live table that the rebuild does not have (as the live model has them). */
  onlyLive: number;
  /** Rows the rebuild has that the live table does not. */
  onlyRebuilt: number;
  samples: { side: 'live' | 'rebuilt'; row: Record<string, unknown> }[];
}

export interface RebuildReport {
  projection: string;
  events: number;
  seconds: number;
  checkpoint: LogCheckpoint;
  verified: boolean;
  differences: TableDifference[];
}

export class UnknownProjectionError extends Error {
  constructor(name: string) {
    super(`no projection named ${name}`);
  }
}

/**
 * Rebuild: replay the log from position 0 into fresh tables while the live model
 * keeps serving; then, holding the live owner's lock, align both at one checkpoint, optionally
 * compare them, and swap the tables by renaming in one transaction. No side effects: the
 * rebuild slot never runs afterCommit.
 */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger(ProjectionRebuilder.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly registry: ProjectionRegistry,
    private readonly runner: ProjectionRunner,
    private readonly store: EventStore,
  ) {}

  /**
   * `onProgress` is awaited after each replayed batch: a caller may hold the rebuild there (the
   * race test holds it between the replay and the swap while the live model moves on).
   */
  async rebuild(name: string, opts: { verify?: boolean; batchSize?: number; onProgress?: (done: number, total: number) => void | Promise<void> } = {}): Promise<RebuildReport> {
    const p = this.registry.get(name);
    if (!p) throw new UnknownProjectionError(name);
    const started = Date.now();
    // 10,000 a transaction: against 2,000, a fifth of the statements and checkpoint moves (PostgreSQL
    // CPU 2.1–3.0 → 1.7–2.1 s for 500k events), for about 10 MB more at the peak.
    const batchSize = opts.batchSize ?? 10_000;
    const deferred = await this.prepare(p);

    const total = () => this.store.count();
    let expected = await total();
    let done = 0;
    const ahead = this.runner.readAhead();
    for (;;) {
      // An event the projection cannot apply parks its stream in the rebuild too (listed under
      // the live name after the swap); decisions to skip an event are honoured.
      const r = await this.runner.runBatch(p, 'rebuild', batchSize, undefined, ahead);
      done += r.read;
      if (done > expected) expected = await total();
      await opts.onProgress?.(done, expected);
      if (r.read < batchSize) break;
    }
    // Built once over the replayed rows, before the swap: the tables swapped in have every index.
    for (const definition of deferred) await this.db.query(definition);

    const { checkpoint, differences, live } = await this.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL lock_timeout = '30s'`);
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(checkpointName(p, 'live'))]);
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey(checkpointName(p, 'rebuild'))]);
      // Align: bring the rebuild to the head it can read now, then the live model to the same point.
      const rebuilt = await this.drain(tx, p, 'rebuild');
      const liveEvents: StoredEvent[] = [];
      const liveCp = cp((await Checkpoints.get(tx, checkpointName(p, 'live'), true))!);
      const target = compareCheckpoints(rebuilt.checkpoint, liveCp) >= 0 ? rebuilt.checkpoint : liveCp;
      if (compareCheckpoints(rebuilt.checkpoint, target) < 0) await this.drain(tx, p, 'rebuild', target);
      // The swap drops the live tables: bring them to the target only when something needs them
      // there (verify compares them; afterCommit's side effects must follow those events). A
      // live model far behind (no worker ran) made this a second full replay, and the spread a
      // stack overflow at 500k events.
      if (compareCheckpoints(liveCp, target) < 0 && (opts.verify || p.afterCommit)) {
        for (const e of (await this.drain(tx, p, 'live', target)).events) liveEvents.push(e);
      }
      done += rebuilt.read;
      const diffs = opts.verify ? await this.compare(tx, p) : [];
      await this.swap(tx, p, target);
      return { checkpoint: target, differences: diffs, live: liveEvents };
    });
    if (live.length && p.afterCommit) await p.afterCommit(live);
    await opts.onProgress?.(done, Math.max(done, expected));
    const report: RebuildReport = { projection: name, events: done, seconds: (Date.now() - started) / 1000, checkpoint, verified: Boolean(opts.verify), differences };
    this.logger.log({ ...report, differences: differences.length }, 'projection rebuilt and swapped');
    return report;
  }

  /**
   * Fresh, empty copies of the projection's tables (same columns, defaults and indexes), less
   * their secondary indexes that enforce nothing: those are returned, as PostgreSQL defined them
   * (names included), to be built after the replay. Keeping them up row by row cost the replay
   * more than building them once (GIN and GiST most). Unique indexes and constraints stay: the
   * upserts need them, and a write they refuse parks its stream as it would in the live model.
   */
  private async prepare(p: Projection): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const deferred: string[] = [];
      for (const t of p.tables) {
        const rebuilt = tableName(t, 'rebuild');
        await tx.query(`DROP TABLE IF EXISTS ${rebuilt}`);
        await tx.query(`CREATE TABLE ${rebuilt} (LIKE ${t} INCLUDING ALL)`);
        const plain: { name: string; definition: string }[] = await tx.query(
          `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
             FROM pg_index i
            WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND NOT i.indisexclusion
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY i.indexrelid`,
          [rebuilt],
        );
        for (const { name, definition } of plain) {
          await tx.query(`DROP INDEX ${name}`);
          deferred.push(definition);
        }
      }
      await Checkpoints.reset(tx, checkpointName(p, 'rebuild'), 'rebuilding');
      await Checkpoints.setSkipped(tx, checkpointName(p, 'rebuild'), skippedIn(await this.store.readStream(decisionStream(p.name))));
      await ParkedStreams.clearSlot(tx, checkpointName(p, 'rebuild'));
      await Checkpoints.ensure(tx, checkpointName(p, 'live'));
      return deferred;
    });
  }

  /** `events`: what the live slot applied, for its after-commit step (a rebuild reports none, only how many it read). */
  private async drain(tx: EntityManager, p: Projection, slot: 'live' | 'rebuild', until?: LogCheckpoint): Promise<{ checkpoint: LogCheckpoint; events: StoredEvent[]; read: number }> {
    const events: StoredEvent[] = [];
    let read = 0;
    for (;;) {
      const row = (await Checkpoints.get(tx, checkpointName(p, slot), true))!;
      const c = cp(row);
      const r = await this.runner.applyIn(tx, p, slot, c, 5000, until, holdOf(row));
      events.push(...r.committed);
      read += r.read;
      if (r.read === 0) return { checkpoint: c, events, read };
    }
  }

  private async compare(tx: EntityManager, p: Projection): Promise<TableDifference[]> {
    const out: TableDifference[] = [];
    for (const t of p.tables) {
      const cols: { column_name: string }[] = await tx.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
        [t],
      );
      const list = cols
        .map((c) => c.column_name)
        .filter((c) => !(p.volatileColumns ?? []).includes(c))
        .map((c) => `"${c}"`)
        .join(', ');
      const rb = tableName(t, 'rebuild');
      const onlyLive: Record<string, unknown>[] = await tx.query(`SELECT ${list} FROM ${t} EXCEPT SELECT ${list} FROM ${rb}`);
      const onlyRebuilt: Record<string, unknown>[] = await tx.query(`SELECT ${list} FROM ${rb} EXCEPT SELECT ${list} FROM ${t}`);
      if (onlyLive.length || onlyRebuilt.length) {
        out.push({
          table: t,
          onlyLive: onlyLive.length,
          onlyRebuilt: onlyRebuilt.length,
          samples: [...onlyLive.slice(0, 5).map((row) => ({ side: 'live' as const, row })), ...onlyRebuilt.slice(0, 5).map((row) => ({ side: 'rebuilt' as const, row }))],
        });
      }
    }
    return out;
  }

  private async swap(tx: EntityManager, p: Projection, at: LogCheckpoint): Promise<void> {
    for (const t of p.tables) {
      const live = await indexesOf(tx, t);
      await tx.query(`ALTER TABLE ${t} RENAME TO ${t}__old`);
      await tx.query(`ALTER TABLE ${tableName(t, 'rebuild')} RENAME TO ${t}`);
      await tx.query(`DROP TABLE ${t}__old`);
      // The rebuilt indexes (and the constraints they back) were named after the rebuild's table;
      // they take the names the live ones had, so a migration that names an index still finds it.
      const unmatched = [...live];
      for (const rebuilt of await indexesOf(tx, t)) {
        const k = unmatched.findIndex((l) => l.definition === rebuilt.definition);
        if (k < 0) continue;
        const [{ name }] = unmatched.splice(k, 1);
        if (name !== rebuilt.name) await tx.query(`ALTER INDEX ${quoteIdent(rebuilt.name)} RENAME TO ${quoteIdent(name)}`);
      }
    }
    await tx.query(
      `UPDATE projection_checkpoints SET transaction_id = $2::xid8, position = $3, state = 'running', generation = generation + 1,
              last_error = NULL, failed_position = NULL, updated_at = now(),
              skipped_positions = ARRAY(SELECT DISTINCT x FROM unnest(skipped_positions
                || coalesce((SELECT skipped_positions FROM projection_checkpoints WHERE name = $4), '{}')) AS x ORDER BY x)
        WHERE name = $1`,
      [checkpointName(p, 'live'), at.transactionId, at.position, checkpointName(p, 'rebuild')],
    );
    // The rebuilt model's parked streams are the ones that now hold: the live model's go with its tables.
    await ParkedStreams.moveSlot(tx, checkpointName(p, 'rebuild'), checkpointName(p, 'live'));
    await tx.query('DELETE FROM projection_checkpoints WHERE name = $1', [checkpointName(p, 'rebuild')]);
    // As after a batch: readers that wait on, or cache by, the live model hear of the new one (at commit).
    await tx.query('SELECT pg_notify($1, $2)', [PROGRESS_CHANNEL, progressPayload(checkpointName(p, 'live'), at)]);
  }
}

/** A table's indexes, each with its definition less its own name (the table's name stays). */
async function indexesOf(tx: EntityManager, table: string): Promise<{ name: string; definition: string }[]> {
  return tx.query(
    `SELECT indexname AS name, regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON ', 'CREATE \\1INDEX ON ') AS definition
       FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname`,
    [table],
  );
}
