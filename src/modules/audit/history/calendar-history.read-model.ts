import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CalendarFilters, conditions } from '../../calendar/read-model/calendar.read-model';
import { HISTORY_COLUMNS, HISTORY_TABLE, HistoryRow } from './history-row';

/** Reads of the live history table (only the projection writes it). */
@Injectable()
export class CalendarHistoryReadModel {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The versions valid at recorded instant `asOf` that match the calendar filters, one page in
   * (starts_at, id) order (each id has at most one version valid at an instant). `limit + 1`
   * rows are read so the caller knows whether more follow.
   */
  async pageAsOf(asOf: Date, f: CalendarFilters, limit: number, after: { startsAt: string; id: string } | null): Promise<HistoryRow[]> {
    const params: unknown[] = [asOf];
    const where = ['recorded @> $1::timestamptz', ...conditions(f, params)];
    if (after) where.push(`(starts_at, id) > ($${params.push(after.startsAt)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return this.db.query(`SELECT ${HISTORY_COLUMNS} FROM ${HISTORY_TABLE} WHERE ${where.join(' AND ')} ORDER BY starts_at, id LIMIT $${params.push(limit + 1)}`, params);
  }

  /**
   * The series' versions valid at `asOf` whose span overlaps [from, to) and that match the
   * filters other than status (a cancelled instance of a live series must still be found), for
   * expansion; as CalendarReadModel.series does on the calendar view.
   */
  async seriesAsOf(asOf: Date, f: CalendarFilters, from: string | null, to: string, cap = 5000): Promise<HistoryRow[]> {
    const params: unknown[] = [asOf];
    const where = ['recorded @> $1::timestamptz', ...conditions({ ...f, from: null, to: null, status: 'all', singleEvents: undefined }, params)];
    where.push('recurrence IS NOT NULL', `starts_at < $${params.push(to)}::timestamptz`);
    if (from) where.push(`coalesce(series_ends_at, 'infinity') > $${params.push(from)}::timestamptz`);
    return this.db.query(`SELECT ${HISTORY_COLUMNS} FROM ${HISTORY_TABLE} WHERE ${where.join(' AND ')} ORDER BY starts_at, id LIMIT $${params.push(cap)}`, params);
  }
}
