import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { representRow } from '../read-model/calendar-row';
import { CalendarReadModel } from '../read-model/calendar.read-model';
import { badCursor, encodeCursor, encodeSyncToken, fingerprint } from '../read-model/tokens';
import { EventPage, ListEventsQuery } from './list-events.query';

/**
 * Keyset pagination over (starts_at, id): an insert lands before or after the cursor, never
 * shifts a page, so paging neither repeats nor skips because of it. The first page fixes the
 * sync point and every later page carries it, so the last one's nextSyncToken covers every
 * change made while the client was paging (e.g. an event rescheduled across the cursor).
 */
@QueryHandler(ListEventsQuery)
export class ListEventsHandler implements IQueryHandler<ListEventsQuery> {
  constructor(private readonly model: CalendarReadModel) {}

  async execute({ filters, limit, cursor }: ListEventsQuery): Promise<EventPage> {
    const f = fingerprint(filters);
    if (cursor && cursor.f !== f) throw badCursor('was issued for other filters; send the same filters as the first page, or start again without cursor');
    const { rows, point } = cursor
      ? { rows: await this.model.page(filters, limit, { startsAt: cursor.t, id: cursor.i }), point: { generation: cursor.g, seq: cursor.s } }
      : await this.model.firstPage(filters, limit);
    const items = rows.slice(0, limit);
    if (rows.length <= limit) return { items: items.map(representRow), nextCursor: null, nextSyncToken: encodeSyncToken({ g: point.generation, s: point.seq }) };
    const last = items[items.length - 1];
    const next = encodeCursor({ k: 'l', f, t: last.starts_at.toISOString(), i: last.id, g: point.generation, s: point.seq });
    return { items: items.map(representRow), nextCursor: next };
  }
}
