import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { occurrenceOf } from '../../scheduling/domain/calendar-event';
import { occurrenceTimeFromKey } from '../../scheduling/domain/recurrence';
import { EventRepresentation, representOccurrence } from '../../scheduling/event-representation';
import type { EventPage } from '../list-events/list-events.query';
import { CalendarRow, representRow, stateOf } from '../read-model/calendar-row';
import { CalendarReadModel } from '../read-model/calendar.read-model';
import { encodeCursor, encodeSyncToken, syncTokenExpired } from '../read-model/page-tokens';
import { SyncEventsQuery } from './sync-events.query';

/**
 * Incremental sync on change_seq. A row changed while the client pages gets a new, higher
 * seq, so it shows up again later in the same sync (newer state) instead of being lost.
 * Cancelled events come back as they are (status 'cancelled'): the tombstones. A series comes
 * as itself and, after it, each of its instances changed since the token (moved, renamed or
 * cancelled: status 'cancelled'), as GET /v1/events lists instances.
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
    // A page ends at a row boundary (the cursor is a row's seq): rows are taken while their items
    // fit in `limit`, the first one whatever its size, so every page moves on.
    const items: EventRepresentation[] = [];
    let taken = 0;
    for (const row of rows.slice(0, limit)) {
      const own = itemsOf(row, BigInt(from.s));
      if (taken > 0 && items.length + own.length > limit) break;
      items.push(...own);
      taken++;
    }
    const lastSeq = taken ? rows[taken - 1].change_seq : from.s;
    if (rows.length <= taken) return { items, nextCursor: null, nextSyncToken: encodeSyncToken({ g: generation, s: lastSeq }) };
    return { items, nextCursor: encodeCursor({ k: 's', g: generation, s: lastSeq }) };
  }
}

/** The row, then each instance of a series that changed after `since`, in original-start order. */
function itemsOf(row: CalendarRow, since: bigint): EventRepresentation[] {
  const out = [representRow(row)];
  if (!row.recurrence || !row.override_seqs) return out;
  const state = stateOf(row);
  for (const key of Object.keys(row.override_seqs).sort()) {
    if (BigInt(row.override_seqs[key]) <= since) continue;
    const o = occurrenceOf(state, occurrenceTimeFromKey(key));
    if (o) out.push(representOccurrence(row.id, state, o, row.version));
  }
  return out;
}
