import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { EventPage } from '../list-events/list-events.query';
import { representRow } from '../read-model/calendar-row';
import { CalendarReadModel } from '../read-model/calendar.read-model';
import { encodeCursor, encodeSyncToken, syncTokenExpired } from '../read-model/page-tokens';
import { SyncEventsQuery } from './sync-events.query';

/**
 * Incremental sync on change_seq. A row changed while the client pages gets a new, higher
 * seq, so it shows up again later in the same sync (newer state) instead of being lost.
 * Cancelled events come back as they are (status 'cancelled'): the tombstones.
 */
@QueryHandler(SyncEventsQuery)
export class SyncEventsHandler implements IQueryHandler<SyncEventsQuery> {
  constructor(private readonly model: CalendarReadModel) {}

  async execute({ from, limit }: SyncEventsQuery): Promise<EventPage> {
    const { rows, generation, head } = await this.model.changes(from.s, limit);
    // Sequence numbers of another generation (a rebuilt table) mean nothing here.
    if (from.g !== generation) throw syncTokenExpired('the calendar view was rebuilt since this token was issued');
    // Seqs only grow within a generation: one beyond the head was not issued by this calendar.
    if (BigInt(from.s) > BigInt(head)) throw syncTokenExpired('the sync token is ahead of this calendar');
    const items = rows.slice(0, limit);
    const lastSeq = items.length ? items[items.length - 1].change_seq : from.s;
    if (rows.length <= limit) return { items: items.map(representRow), nextCursor: null, nextSyncToken: encodeSyncToken({ g: generation, s: lastSeq }) };
    return { items: items.map(representRow), nextCursor: encodeCursor({ k: 's', g: generation, s: lastSeq }) };
  }
}
