import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { occurrenceStartsBetween, occurrencesBetween } from '../../scheduling/domain/calendar-event';
import { EventRepresentation, representOccurrence } from '../../scheduling/event-representation';
import { CalendarRow, representRow, stateOf } from '../read-model/calendar-row';
import { CalendarFilters, CalendarReadModel } from '../read-model/calendar.read-model';
import { ListCursor, badCursor, encodeCursor, encodeSyncToken, fingerprint } from '../read-model/page-tokens';
import { ViewVersion } from '../read-model/view-version';
import { ListPageCache } from './list-page.cache';
import { EventPage, ListEventsQuery } from './list-events.query';

/**
 * Keyset pagination over (starts_at, id): an insert lands before or after the cursor, never
 * shifts a page, so paging neither repeats nor skips because of it. The first page fixes the
 * sync point and every later page carries it, so the last one's nextSyncToken covers every
 * change made while the client was paging (e.g. an event rescheduled across the cursor).
 */
const DAY_MS = 86_400_000;

/** (startsAt, id) order, as the view's keyset: instants compared as instants, ids as text (uuid order for uuids). */
function byStart(a: { startsAt: string; id: string }, b: { startsAt: string; id: string }): number {
  const t = Date.parse(a.startsAt) - Date.parse(b.startsAt);
  if (t !== 0) return t;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** byStart order, each instant parsed once rather than once per comparison (a page sorts about a thousand items). */
function sortedByStart<T extends { startsAt: string; id: string }>(items: T[]): T[] {
  return items
    .map((item) => ({ t: Date.parse(item.startsAt), item }))
    .sort((a, b) => a.t - b.t || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0))
    .map((x) => x.item);
}

@QueryHandler(ListEventsQuery)
export class ListEventsHandler implements IQueryHandler<ListEventsQuery> {
  constructor(
    private readonly model: CalendarReadModel,
    private readonly cache: ListPageCache,
    private readonly versions: ViewVersion,
  ) {}

  async execute({ filters, limit, cursor }: ListEventsQuery): Promise<EventPage> {
    if (cursor && cursor.f !== fingerprint(filters)) throw badCursor('was issued for other filters; send the same filters as the first page, or start again without cursor');
    if (!this.cache.enabled) return this.read(filters, limit, cursor);
    // The version is read BEFORE the page, so a page is filed under a version no newer than the
    // one it shows: a later request with that version gets what it would have read, or newer.
    const request = JSON.stringify([filters, limit, cursor]);
    const version = await this.versions.current();
    const hit = this.cache.get(request, version);
    if (hit) return hit;
    const page = await this.read(filters, limit, cursor);
    this.cache.set(request, version, page);
    return page;
  }

  private async read(filters: CalendarFilters, limit: number, cursor: ListCursor | null): Promise<EventPage> {
    // An instance id's series uuid keysets the single events: no single event has that uuid.
    const { rows, point } = cursor
      ? { rows: await this.model.page(filters, limit, { startsAt: cursor.t, id: cursor.i.slice(0, 36) }), point: { generation: cursor.g, seq: cursor.s } }
      : await this.model.firstPage(filters, limit);
    const singles = rows.map(representRow);
    const merged = sortedByStart([...singles, ...(filters.singleEvents ? await this.instances(filters, limit, cursor, singles) : [])]).slice(0, limit + 1);
    const items = merged.slice(0, limit);
    if (merged.length <= limit) return { items, nextCursor: null, nextSyncToken: encodeSyncToken({ g: point.generation, s: point.seq }) };
    const last = items[items.length - 1];
    const next = encodeCursor({ k: 'l', f: fingerprint(filters), t: last.startsAt, i: last.id, g: point.generation, s: point.seq });
    return { items, nextCursor: next };
  }

  /**
   * The instances of the series in the window after the cursor: the view keeps each series (and
   * its changed instances) as one row and expands it here, bounded by `to` (or 366 days after
   * `from`, or now). At most `limit + 1` items make a page, so the instances are found in two
   * steps: first only the start instants of every series' instances, which with the single
   * events' starts give an instant no page item starts after; then only the instances up to it
   * are built (a month of series holds about ten times what a page shows).
   */
  private async instances(filters: CalendarFilters, limit: number, cursor: ListCursor | null, singles: EventRepresentation[]): Promise<EventRepresentation[]> {
    const from = filters.from ? Date.parse(filters.from) : Date.parse('1000-01-01T00:00:00Z');
    const to = filters.to ? Date.parse(filters.to) : (filters.from ? Date.parse(filters.from) : Date.now()) + 366 * DAY_MS;
    const after = cursor ? { startsAt: cursor.t, id: cursor.i } : null;
    const afterT = after ? Date.parse(after.startsAt) : -Infinity;
    const includeCancelled = filters.status !== 'scheduled';
    const series = (await this.model.series(filters, filters.from, new Date(to).toISOString())).map((row) => {
      const state = stateOf(row);
      const changed = Object.keys(state.overrides).length > 0;
      // Unchanged instances have the series' status: none of them can be in a listing of cancelled ones.
      const none = filters.status === 'cancelled' && !changed && state.status !== 'cancelled';
      const starts = none ? [] : occurrenceStartsBetween(state, from, to, { includeCancelled }).filter((t) => t >= afterT);
      // Certain page candidates: after the cursor for sure (a tie needs the id), and of the status
      // asked for (a changed series' instances may differ from it).
      const certain = filters.status === 'cancelled' && changed ? [] : starts.filter((t) => t > afterT);
      return { row, starts, certain };
    });
    // Every item counted here is on the page unless earlier ones fill it, so the page's last item
    // starts no later than the (limit + 1)-th of them; counting fewer only moves this later.
    const known = Float64Array.from([...singles.map((r) => Date.parse(r.startsAt)), ...series.flatMap((s) => s.certain)]).sort();
    const last = known.length > limit ? known[limit] : Infinity;
    const until = Math.min(to, last + 1);
    const out: EventRepresentation[] = [];
    for (const s of series) if (s.starts.length > 0 && s.starts[0] <= last) out.push(...this.expandRow(s.row, filters, from, until, limit, after));
    return out;
  }

  private expandRow(row: CalendarRow, filters: CalendarFilters, from: number, to: number, limit: number, after: { startsAt: string; id: string } | null): EventRepresentation[] {
    const state = stateOf(row);
    const found: EventRepresentation[] = [];
    for (const o of occurrencesBetween(state, from, to, { includeCancelled: filters.status !== 'scheduled' })) {
      if (filters.status === 'cancelled' && o.status !== 'cancelled') continue;
      const item = representOccurrence(row.id, state, o, row.version);
      if (after && byStart(item, after) <= 0) continue;
      found.push(item);
      if (found.length > limit) break;
    }
    return found;
  }
}
