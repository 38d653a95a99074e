import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { badCursor, fingerprint } from '../../calendar/read-model/page-tokens';
import { occurrencesBetween } from '../../scheduling/domain/calendar-event';
import { parseInstanceId } from '../../scheduling/domain/recurrence';
import { represent, representOccurrence } from '../../scheduling/event-representation';
import { CalendarHistoryReadModel } from '../history/calendar-history.read-model';
import { stateOf } from '../../calendar/read-model/calendar-row';
import type { CalendarFilters } from '../../calendar/read-model/calendar.read-model';
import { HistoryRow } from '../history/history-row';
import { AuditCalendarItem, AuditCalendarPage, AuditCalendarQuery } from './audit-calendar.query';
import { isUuid } from '../../../common/ids';

const DAY_MS = 86_400_000;

interface Cursor {
  f: string;
  t: string;
  i: string;
}

interface Keyset {
  startsAt: string;
  id: string;
}

/** (startsAt, id) order, as GET /v1/events: instants as instants, ids as text. */
function byStart(a: Keyset, b: Keyset): number {
  const t = Date.parse(a.startsAt) - Date.parse(b.startsAt);
  if (t !== 0) return t;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Keyset pages over (starts_at, id) of the versions valid at `asOf`: stable, since the past does
 * not change. As GET /v1/events, a series valid then is listed as its instances in the window
 * (its rule and changed instances as they were recorded then), beside the single events.
 */
@QueryHandler(AuditCalendarQuery)
export class AuditCalendarHandler implements IQueryHandler<AuditCalendarQuery> {
  constructor(private readonly history: CalendarHistoryReadModel) {}

  async execute({ asOf, filters, limit, cursor }: AuditCalendarQuery): Promise<AuditCalendarPage> {
    const f = fingerprint({ asOf: asOf.toISOString(), ...filters });
    const after = cursor === null ? null : decode(cursor, f);
    const single: CalendarFilters = { ...filters, singleEvents: true };
    // An instance id's series uuid keysets the single events: no single event has that uuid.
    const rows = await this.history.pageAsOf(asOf, single, limit, after && { startsAt: after.startsAt, id: after.id.slice(0, 36) });
    const merged = [...rows.map(item), ...(await this.instances(asOf, filters, limit, after))].sort(byStart).slice(0, limit + 1);
    const items = merged.slice(0, limit);
    const last = items[items.length - 1];
    const nextCursor = merged.length > limit ? encode({ f, t: last.startsAt, i: last.id }) : null;
    return { asOf: asOf.toISOString(), items, nextCursor };
  }

  /** The instances of the series valid at `asOf` in the window after the cursor, bounded like the listing's (`to`, or 366 days on). */
  private async instances(asOf: Date, filters: CalendarFilters, limit: number, after: Keyset | null): Promise<AuditCalendarItem[]> {
    const from = filters.from ? Date.parse(filters.from) : Date.parse('1000-01-01T00:00:00Z');
    const to = filters.to ? Date.parse(filters.to) : (filters.from ? Date.parse(filters.from) : asOf.getTime()) + 366 * DAY_MS;
    const out: AuditCalendarItem[] = [];
    for (const row of await this.history.seriesAsOf(asOf, filters, filters.from, new Date(to).toISOString())) {
      const state = stateOf(row);
      let found = 0;
      for (const o of occurrencesBetween(state, from, to, { includeCancelled: filters.status !== 'scheduled' })) {
        if (filters.status === 'cancelled' && o.status !== 'cancelled') continue;
        const instance = { ...representOccurrence(row.id, state, o, row.version), lastChange: lastChange(row) };
        if (after && byStart(instance, after) <= 0) continue;
        out.push(instance);
        if (++found > limit) break;
      }
    }
    return out;
  }
}

const lastChange = (r: HistoryRow): AuditCalendarItem['lastChange'] => ({ type: r.event_type, actor: r.actor, recordedAt: r.valid_from.toISOString(), position: r.position });

function item(r: HistoryRow): AuditCalendarItem {
  return { ...represent(r.id, stateOf(r), r.version), lastChange: lastChange(r) };
}

const encode = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode(raw: string, f: string): Keyset {
  let v: Partial<Cursor> | null = null;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    /* reported below */
  }
  const id = typeof v?.i === 'string' ? v.i : '';
  const validId = isUuid(id) || (parseInstanceId(id) !== null && isUuid(parseInstanceId(id)!.eventId));
  if (!v || typeof v.t !== 'string' || Number.isNaN(Date.parse(v.t)) || !validId || typeof v.f !== 'string') {
    throw badCursor('is not a cursor this API issued; start again without it');
  }
  if (v.f !== f) throw badCursor('was issued for another asOf or other filters; send the same ones as the first page, or start again without cursor');
  return { startsAt: v.t, id };
}
