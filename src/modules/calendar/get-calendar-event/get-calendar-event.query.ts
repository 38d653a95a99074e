import { Query } from '@nestjs/cqrs';
import type { EventRepresentation } from '../../scheduling/event-representation';

/** One event from the calendar view (current state only; `asOf` still folds the stream). Null: unknown id. */
export class GetCalendarEventQuery extends Query<EventRepresentation | null> {
  constructor(readonly id: string) {
    super();
  }
}
