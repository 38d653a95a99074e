import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventStore } from '../../../events/event-store.port';
import { type Projection, readsType } from '../../../projections/projection';
import { decisionStream, skippedIn } from '../../../projections/parked-streams';
import { ProjectionRegistry } from '../../../projections/projection.registry';
import { ProjectionRunner } from '../../../projections/projection.runner';
import { HISTORY_PROJECTION } from '../history/history-row';
import { AuditLogReader, BATCH } from '../../../events/audit-log.reader';

export const DEFAULT_REPLAY_PROJECTIONS = ['calendar', HISTORY_PROJECTION];
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export interface ReplayOptions {
  /** Only events recorded at or before this instant are applied. */
  until: Date;
  projections?: string[];
  /** Default `replay_<yyyymmddhhmmss>` (UTC, now). */
  schema?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ReplayReport {
  schema: string;
  until: string;
  projections: string[];
  tables: string[];
  events: number;
  applied: number;
  /** Streams a projection could not apply an event of: passed over from that event on, listed in `<schema>.replay_parked`. */
  parked: number;
  seconds: number;
}

/**
 * Time travel for auditors: replays the log as recorded up to an instant into a separate
 * schema, so the read models as they stood then can be queried with SQL next to the live
 * ones, which are never touched. Like a rebuild it writes only through ctx.table, in the
 * 'rebuild' slot, and it NEVER calls afterCommit: no email or job is repeated. It moves no
 * checkpoint either: the replay schema is a snapshot, not a live projection.
 */
@Injectable()
export class ReplayService {
  private readonly logger = new Logger(ReplayService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly registry: ProjectionRegistry,
    private readonly store: EventStore,
    private readonly reader: AuditLogReader,
    private readonly runner: ProjectionRunner,
  ) {}

  async replay(o: ReplayOptions): Promise<ReplayReport> {
    const started = Date.now();
    const names = o.projections ?? DEFAULT_REPLAY_PROJECTIONS;
    const projections = names.map((n) => {
      const p = this.registry.get(n);
      if (!p)
        throw new Error(
          `no projection named ${n}; known: ${this.registry
            .all()
            .map((x) => x.name)
            .join(', ')}`,
        );
      return p;
    });
    const schema = o.schema ?? `replay_${o.until.toISOString().replace(/\D/g, '').slice(0, 14)}_${stamp(new Date())}`;
    if (!SCHEMA.test(schema)) throw new Error(`schema must match ${SCHEMA} (lower case, digits, underscores)`);

    const tables = await this.prepare(schema, projections, o.until);
    try {
      const { events, applied, parked } = await this.apply(schema, projections, o);
      await this.db.query(`UPDATE ${schema}.replay_info SET events = $1, applied = $2, finished_at = now()`, [events, applied]);
      const report: ReplayReport = { schema, until: o.until.toISOString(), projections: names, tables, events, applied, parked, seconds: (Date.now() - started) / 1000 };
      this.logger.log(report, 'replay finished');
      return report;
    } catch (err) {
      await this.db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      throw err;
    }
  }

  /** The schema, empty copies of every table (columns, defaults, generated columns, indexes), and the sequences they draw from. */
  private async prepare(schema: string, projections: Projection[], until: Date): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await tx.query(`CREATE SCHEMA ${schema}`);
      // Projections may draw from sequences (calendar's change_seq): private copies, so the
      // replay does not advance the live ones. The replay resolves them first via search_path.
      const seqs: { name: string }[] = await tx.query(`SELECT sequencename AS name FROM pg_sequences WHERE schemaname = current_schema()`);
      for (const s of seqs) await tx.query(`CREATE SEQUENCE ${schema}."${s.name}"`);
      const tables: string[] = [];
      for (const p of projections) {
        for (const t of p.tables) {
          await tx.query(`CREATE TABLE ${schema}.${t} (LIKE ${t} INCLUDING ALL)`);
          tables.push(`${schema}.${t}`);
        }
      }
      await tx.query(`CREATE TABLE ${schema}.replay_info (until timestamptz NOT NULL, projections text[] NOT NULL, events bigint, applied bigint,
                      started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`);
      await tx.query(`INSERT INTO ${schema}.replay_info (until, projections) VALUES ($1, $2)`, [until, projections.map((p) => p.name)]);
      await tx.query(`CREATE TABLE ${schema}.replay_parked (projection text NOT NULL, stream_id text NOT NULL, position bigint NOT NULL, error text NOT NULL,
                      PRIMARY KEY (projection, stream_id))`);
      return tables;
    });
  }

  /**
   * Events recorded up to `until`, from one snapshot, in position order (a stream's versions
   * commit in version order, so per-stream order holds), a batch per short transaction so no
   * long transaction stalls the live projections' gap-safe readers.
   */
  private async apply(schema: string, projections: Projection[], o: ReplayOptions): Promise<{ events: number; applied: number; parked: number }> {
    const snapshot = await this.reader.snapshot();
    const total = o.onProgress ? await this.reader.count(snapshot, { until: o.until }) : 0;
    // As the live projections: events an admin decided to skip are passed over, and an event a
    // projection cannot apply parks its stream (the stream's later events wait) instead of
    // ending the replay.
    const hold = new Map<string, { skipped: Set<string>; parked: Set<string> }>();
    for (const p of projections) hold.set(p.name, { skipped: new Set(skippedIn(await this.store.readStream(decisionStream(p.name)))), parked: new Set() });
    let events = 0;
    let applied = 0;
    let parked = 0;
    for await (const rows of this.reader.byPosition({ until: o.until }, snapshot, BATCH)) {
      await this.db.transaction(async (tx) => {
        const current: { s: string }[] = await tx.query('SELECT current_schema() AS s');
        await tx.query(`SELECT set_config('search_path', $1, true)`, [`${schema}, ${current[0].s}`]);
        for (const p of projections) {
          const { skipped, parked: held } = hold.get(p.name)!;
          const ctx = this.runner.context(tx, p, 'rebuild', (name) => `${schema}.${name}`);
          for (const r of rows) {
            if (!readsType(p, r.type) || skipped.has(r.position) || held.has(r.stream_id)) continue;
            const error = await this.runner.applyGuarded(ctx, p, this.reader.toStored(r));
            if (error === null) {
              applied++;
              continue;
            }
            held.add(r.stream_id);
            parked++;
            await tx.query(`INSERT INTO ${schema}.replay_parked (projection, stream_id, position, error) VALUES ($1, $2, $3, $4)`, [p.name, r.stream_id, r.position, error]);
          }
        }
      });
      events += rows.length;
      o.onProgress?.(events, Math.max(events, total));
    }
    return { events, applied, parked };
  }
}

const stamp = (d: Date): string => d.toISOString().replace(/\D/g, '').slice(0, 14);
