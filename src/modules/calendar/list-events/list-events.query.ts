import { Query } from '@nestjs/cqrs';
import type { EventRepresentation } from '../../scheduling/event-representation';
import type { CalendarFilters } from '../read-model/calendar.read-model';
import type { ListCursor } from '../read-model/page-tokens';

export interface EventPage {
  items: EventRepresentation[];
  nextCursor: string | null;
  /** Only on the last page: where an incremental sync picks up after this listing. */
  nextSyncToken?: string;
}

/** A page of the calendar view in (startsAt, id) order. */
export class ListEventsQuery extends Query<EventPage> {
  constructor(
    readonly filters: CalendarFilters,
    readonly limit: number,
    readonly cursor: ListCursor | null,
  ) {
    super();
  }
}
