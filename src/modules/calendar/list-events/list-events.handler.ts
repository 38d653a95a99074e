import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { representRow } from '../read-model/calendar-row';
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
    const { rows, point } = cursor
      ? { rows: await this.model.page(filters, limit, { startsAt: cursor.t, id: cursor.i }), point: { generation: cursor.g, seq: cursor.s } }
      : await this.model.firstPage(filters, limit);
    const items = rows.slice(0, limit);
    if (rows.length <= limit) return { items: items.map(representRow), nextCursor: null, nextSyncToken: encodeSyncToken({ g: point.generation, s: point.seq }) };
    const last = items[items.length - 1];
    const next = encodeCursor({ k: 'l', f: fingerprint(filters), t: last.starts_at.toISOString(), i: last.id, g: point.generation, s: point.seq });
    return { items: items.map(representRow), nextCursor: next };
  }
}
