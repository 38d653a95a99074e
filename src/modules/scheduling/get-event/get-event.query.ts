import { Query } from '@nestjs/cqrs';
import type { Loaded } from '../../../events/aggregate';
import type { CalendarEventState } from '../domain/calendar-event';

/** The event folded from its stream; `asOf` folds only what was recorded by then. */
export class GetEventQuery extends Query<Loaded<CalendarEventState>> {
  constructor(
    readonly id: string,
    readonly asOf?: Date,
  ) {
    super();
  }
}
