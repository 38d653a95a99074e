import { Query } from '@nestjs/cqrs';
import type { EventRepresentation } from '../../scheduling/event-representation';

export interface CalendarEventRead {
  /** Null: unknown id, or a stream parked at its first event. */
  event: EventRepresentation | null;
  /** Set when the calendar projection parked this stream: the view stops before this log position. */
  parkedAt: { position: string; since: string } | null;
}

/** One event from the calendar view (current state only; `asOf` still folds the stream). */
export class GetCalendarEventQuery extends Query<CalendarEventRead> {
  constructor(readonly id: string) {
    super();
  }
}
