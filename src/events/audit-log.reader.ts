import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { StoredEvent } from './envelope';
import { EVENT_COLUMNS, PostgresEventStore, RawEventRow } from './postgres-event-store';
import { createUpcasters } from './upcasters';

export type { RawEventRow };

/** Filters of GET /v1/audit/log and /export; `from` inclusive, `to` exclusive, on recorded time. */
export interface LogFilters {
  type?: string;
  actor?: string;
  stream?: string;
  from?: Date;
  to?: Date;
  /** Inclusive upper bound on recorded time (replays: "as recorded up to and at"). */
  until?: Date;
}

export const BATCH = 1000;

/**
 * Raw SQL over the log for auditors. Long walks (export, verify) never hold a transaction
 * open: they capture a snapshot (`pg_current_snapshot()`) once and read keyset batches of
 * rows whose transaction is visible in it — REPEATABLE READ semantics without an open
 * transaction, which `idle_in_transaction_session_timeout` would cut and which would hold
 * back vacuum while a slow client reads. Memory stays constant: one batch at a time.
 */
@Injectable()
export class AuditLogReader {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: PostgresEventStore,
  ) {}

  /** A reader over a data source of its own (the CLI, tests): no Nest container needed. */
  static over(db: DataSource): AuditLogReader {
    return new AuditLogReader(db, new PostgresEventStore(db, createUpcasters()));
  }

  /** A raw row as consumers read events: data upcast to the current schema. */
  toStored(r: RawEventRow): StoredEvent {
    return this.store.toStored(r);
  }

  async snapshot(): Promise<string> {
    const rows: { s: string }[] = await this.db.query('SELECT pg_current_snapshot()::text AS s');
    return rows[0].s;
  }

  /** One page in position order; `limit + 1` rows so the caller knows whether more follow. */
  async page(f: LogFilters, after: string, limit: number): Promise<RawEventRow[]> {
    const params: unknown[] = [after];
    const where = ['e.position > $1::bigint', ...conditions(f, params)];
    return this.db.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.position LIMIT $${params.push(limit + 1)}`, params);
  }

  /**
   * The `limit` rows just before position `before` (the latest, with null), NEWEST first;
   * `limit + 1` so the caller knows whether more precede them.
   */
  async pageBefore(f: LogFilters, before: string | null, limit: number): Promise<RawEventRow[]> {
    const params: unknown[] = [];
    const where = [...(before === null ? [] : [`e.position < $${params.push(before)}::bigint`]), ...conditions(f, params)];
    return this.db.query(`SELECT ${EVENT_COLUMNS} FROM events e ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.position DESC LIMIT $${params.push(limit + 1)}`, params);
  }

  /** Every matching row visible in `snapshot`, in position order, a batch at a time. */
  async *byPosition(f: LogFilters, snapshot: string, batch = BATCH): AsyncGenerator<RawEventRow[]> {
    let after = '0';
    for (;;) {
      const params: unknown[] = [after, snapshot];
      const where = ['e.position > $1::bigint', 'pg_visible_in_snapshot(e.transaction_id, $2::pg_snapshot)', ...conditions(f, params)];
      const rows: RawEventRow[] = await this.db.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.position LIMIT $${params.push(batch)}`, params);
      if (rows.length) yield rows;
      if (rows.length < batch) return;
      after = rows[rows.length - 1].position;
    }
  }

  /** Every row visible in `snapshot`, ordered by (stream_id, version): the chain walk. */
  async *byStream(snapshot: string, batch = BATCH): AsyncGenerator<RawEventRow[]> {
    let after: { stream: string; version: number } | null = null;
    for (;;) {
      const params: unknown[] = [snapshot];
      const where = ['pg_visible_in_snapshot(e.transaction_id, $1::pg_snapshot)'];
      if (after) where.push(`(e.stream_id, e.version) > ($${params.push(after.stream)}::text, $${params.push(after.version)}::integer)`);
      const rows: RawEventRow[] = await this.db.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.stream_id, e.version LIMIT $${params.push(batch)}`, params);
      if (rows.length) yield rows;
      if (rows.length < batch) return;
      const last = rows[rows.length - 1];
      after = { stream: last.stream_id, version: last.version };
    }
  }

  /**
   * Per stream, among the matching rows visible in `snapshot`: the last version, its hash and
   * how many rows matched. Keyset over streams, so memory stays constant however many there are.
   */
  async *streamSummaries(f: LogFilters, snapshot: string, batch = BATCH): AsyncGenerator<{ stream_id: string; version: number; hash: string; events: number }[]> {
    let after = '';
    for (;;) {
      const params: unknown[] = [snapshot, after];
      const where = ['pg_visible_in_snapshot(e.transaction_id, $1::pg_snapshot)', 'e.stream_id > $2', ...conditions(f, params)];
      const rows: { stream_id: string; version: number; hash: string; events: number }[] = await this.db.query(
        `SELECT s.stream_id, s.version, l.hash, s.events
           FROM (SELECT e.stream_id, max(e.version) AS version, count(*)::int AS events
                   FROM events e WHERE ${where.join(' AND ')}
                  GROUP BY e.stream_id ORDER BY e.stream_id LIMIT $${params.push(batch)}) s
           JOIN events l ON l.stream_id = s.stream_id AND l.version = s.version
          ORDER BY s.stream_id`,
        params,
      );
      if (rows.length) yield rows;
      if (rows.length < batch) return;
      after = rows[rows.length - 1].stream_id;
    }
  }

  async count(snapshot: string, f: LogFilters = {}): Promise<number> {
    const params: unknown[] = [snapshot];
    const where = ['pg_visible_in_snapshot(e.transaction_id, $1::pg_snapshot)', ...conditions(f, params)];
    const rows: { n: string }[] = await this.db.query(`SELECT count(*)::bigint AS n FROM events e WHERE ${where.join(' AND ')}`, params);
    return Number(rows[0].n);
  }
}

function conditions(f: LogFilters, params: unknown[]): string[] {
  const c: string[] = [];
  if (f.type) c.push(`e.type = $${params.push(f.type)}`);
  if (f.actor) c.push(`e.metadata->>'actor' = $${params.push(f.actor)}`);
  if (f.stream) c.push(`e.stream_id = $${params.push(f.stream)}`);
  if (f.from) c.push(`e.recorded_at >= $${params.push(f.from)}`);
  if (f.to) c.push(`e.recorded_at < $${params.push(f.to)}`);
  if (f.until) c.push(`e.recorded_at <= $${params.push(f.until)}`);
  return c;
}
