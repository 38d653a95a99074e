import { Injectable } from '@nestjs/common';
import { ReadRouting } from '../../../database/read-routing';
import { DataSource, EntityManager } from 'typeorm';
import { ParkedStreams } from '../../../projections/parked-streams';
import { CALENDAR_EVENT_STREAM_PREFIX, calendarEventStream, type Programme } from '../../scheduling/domain/events';
import { CALENDAR_TABLE, CalendarRow, ROW_COLUMNS } from './calendar-row';
import { generationSubquery } from '../../../projections/checkpoints';

export type StatusFilter = 'scheduled' | 'cancelled' | 'all';

/** Normalised filters of GET /v1/events and the feed (instants already resolved from bare dates). */
export interface CalendarFilters {
  /** ISO instant, inclusive. */
  from: string | null;
  /** ISO instant, exclusive. */
  to: string | null;
  country: string | null;
  city: string | null;
  programme: Programme | null;
  status: StatusFilter;
  q: string | null;
  /**
   * Only on the calendar view: true lists single events here (a series' instances are expanded
   * beside them, see `series`); false lists single events and series, a series matching a window
   * its span (first start to last end) overlaps. Absent (history views): rows as they are.
   */
  singleEvents?: boolean;
}

export interface Keyset {
  startsAt: string;
  id: string;
}

/** What a full listing's first page captured: the point a later sync resumes from. */
export interface SyncPoint {
  generation: number;
  seq: string;
}

export const PROJECTION_NAME = 'calendar';

/**
 * A series row's span, first start to last end (no end: infinity), as the partial GiST indexes of
 * migration CalendarSeriesWindow hold it: the same expression word for word, or they go unused.
 */
const SERIES_SPAN = `tstzrange(starts_at, greatest(starts_at, coalesce(series_ends_at, 'infinity'::timestamptz)), '[]')`;

/** All SQL on the calendar view. Reads go to the live table; only the projection writes. */
@Injectable()
export class CalendarReadModel {
  constructor(private readonly reads: ReadRouting) {}

  /** The primary, or the replica inside a public read request (ReadRouting). */
  private get db(): DataSource {
    return this.reads.db;
  }

  /** One page in (starts_at, id) order; `limit + 1` rows are read so the caller knows if more follow. */
  async page(f: CalendarFilters, limit: number, after: Keyset | null, m: EntityManager = this.db.manager): Promise<CalendarRow[]> {
    const params: unknown[] = [];
    const where = conditions(f, params);
    if (after) where.push(`(starts_at, id) > ($${params.push(after.startsAt)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return m.query(`SELECT ${ROW_COLUMNS} FROM ${CALENDAR_TABLE} ${clause(where)} ORDER BY starts_at, id LIMIT $${params.push(limit + 1)}`, params);
  }

  /**
   * The first page of a full listing and the sync point, from ONE snapshot: every change the
   * page cannot show has a higher change_seq than the point, so a sync from it misses nothing.
   */
  async firstPage(f: CalendarFilters, limit: number): Promise<{ rows: CalendarRow[]; point: SyncPoint }> {
    // One statement is one snapshot: the same guarantee as a REPEATABLE READ transaction around
    // two queries, in one round trip instead of four (BEGIN, point, page, COMMIT).
    const params: unknown[] = [PROJECTION_NAME];
    const where = conditions(f, params);
    const rows: (CalendarRow & { sync_generation: number | null; sync_seq: string })[] = await this.db.query(
      `WITH page AS (SELECT ${ROW_COLUMNS} FROM ${CALENDAR_TABLE} ${clause(where)} ORDER BY starts_at, id LIMIT $${params.push(limit + 1)})
       SELECT page.*, ${generationSubquery('$1')} AS sync_generation,
              (SELECT coalesce(max(change_seq), 0)::text FROM ${CALENDAR_TABLE}) AS sync_seq
         FROM (SELECT 1) AS one LEFT JOIN page ON true ORDER BY page.starts_at, page.id`,
      params,
    );
    const point = { generation: rows[0].sync_generation ?? 1, seq: rows[0].sync_seq };
    return { rows: rows.filter((r) => r.id !== null).map(({ sync_generation: _g, sync_seq: _s, ...row }) => row), point };
  }

  /** The newest events first (the feed keeps the most recent when it hits its cap). */
  async newest(f: CalendarFilters, cap: number): Promise<CalendarRow[]> {
    const params: unknown[] = [];
    const where = conditions(f, params);
    return this.db.query(`SELECT ${ROW_COLUMNS} FROM ${CALENDAR_TABLE} ${clause(where)} ORDER BY starts_at DESC, id DESC LIMIT $${params.push(cap)}`, params);
  }

  /** Rows changed after `seq`, in apply order, with the generation and head seq of the same snapshot. */
  async changes(seq: string, limit: number): Promise<{ rows: CalendarRow[]; generation: number; head: string }> {
    return this.db.transaction('REPEATABLE READ', async (tx) => {
      const { generation, seq: head } = await this.syncPoint(tx);
      const rows: CalendarRow[] = await tx.query(`SELECT ${ROW_COLUMNS} FROM ${CALENDAR_TABLE} WHERE change_seq > $1 ORDER BY ${CALENDAR_TABLE}.change_seq LIMIT $2`, [seq, limit + 1]);
      return { rows, generation, head };
    });
  }

  /**
   * The series whose span overlaps [from, to) and that match the filters other than status
   * (a cancelled instance of a live series must still be found), for expansion.
   */
  async series(f: CalendarFilters, from: string | null, to: string, cap = 5000): Promise<CalendarRow[]> {
    const params: unknown[] = [];
    const where = conditions({ ...f, from: null, to: null, status: 'all', singleEvents: undefined }, params);
    // SERIES_SPAN && the window is what the partial GiST indexes on the span answer.
    where.push('recurrence IS NOT NULL', `${SERIES_SPAN} && tstzrange($${params.push(from)}::timestamptz, $${params.push(to)}::timestamptz, '[)')`);
    return this.db.query(`SELECT ${ROW_COLUMNS} FROM ${CALENDAR_TABLE} ${clause(where)} ORDER BY starts_at, id LIMIT $${params.push(cap)}`, params);
  }

  async get(id: string): Promise<CalendarRow | undefined> {
    const rows: CalendarRow[] = await this.db.query(`SELECT ${ROW_COLUMNS} FROM ${CALENDAR_TABLE} WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Where the calendar projection parked this event's stream (its row, if any, stops before that event), or undefined. */
  async parkedAt(id: string): Promise<{ position: string; since: string } | undefined> {
    const parked = await ParkedStreams.find(this.db.manager, PROJECTION_NAME, calendarEventStream(id));
    return parked && { position: parked.position, since: parked.since };
  }

  /** The events whose streams the calendar projection has parked (their rows stop before the event it could not apply). */
  async parkedEventIds(): Promise<string[]> {
    const parked = await ParkedStreams.list(this.db.manager, PROJECTION_NAME);
    return parked.filter((p) => p.stream.startsWith(CALENDAR_EVENT_STREAM_PREFIX)).map((p) => p.stream.slice(CALENDAR_EVENT_STREAM_PREFIX.length));
  }

  /**
   * The view's version: its generation (a rebuild makes a new one) and its highest change_seq
   * (every upsert takes a new one, and rows are never deleted). Equal versions, equal content.
   */
  version(): Promise<SyncPoint> {
    return this.syncPoint(this.db.manager);
  }

  private async syncPoint(m: EntityManager): Promise<SyncPoint> {
    // No checkpoint row yet means the projection never ran: generation 1 is what it will get.
    const rows: { generation: number | null; seq: string }[] = await m.query(
      `SELECT ${generationSubquery('$1')} AS generation,
              (SELECT coalesce(max(change_seq), 0)::text FROM ${CALENDAR_TABLE}) AS seq`,
      [PROJECTION_NAME],
    );
    return { generation: rows[0].generation ?? 1, seq: rows[0].seq };
  }
}

/** The WHERE clauses of the calendar filters; also used by the audit calendar (same columns). */
export function conditions(f: CalendarFilters, params: unknown[]): string[] {
  const c: string[] = [];
  // The GiST index on `during` answers the overlap; a missing bound is an unbounded range.
  if (f.singleEvents === true) c.push('recurrence IS NULL');
  if ((f.from || f.to) && f.singleEvents === false) {
    const [from, to] = [params.push(f.from), params.push(f.to)];
    c.push(
      `(CASE WHEN recurrence IS NULL THEN during && tstzrange($${from}::timestamptz, $${to}::timestamptz, '[)')
        ELSE ($${to}::timestamptz IS NULL OR starts_at < $${to}::timestamptz) AND ($${from}::timestamptz IS NULL OR coalesce(series_ends_at, 'infinity') > $${from}::timestamptz) END)`,
    );
  } else if (f.from || f.to) c.push(`during && tstzrange($${params.push(f.from)}::timestamptz, $${params.push(f.to)}::timestamptz, '[)')`);
  if (f.country) c.push(`country = $${params.push(f.country)}`);
  if (f.city) c.push(`lower(city) = lower($${params.push(f.city)})`);
  if (f.programme) c.push(`programme = $${params.push(f.programme)}`);
  if (f.status !== 'all') c.push(`status = $${params.push(f.status)}`);
  if (f.q) c.push(`search @@ websearch_to_tsquery('simple', $${params.push(f.q)})`);
  return c;
}

const clause = (where: string[]): string => (where.length ? `WHERE ${where.join(' AND ')}` : '');
