import { Query } from '@nestjs/cqrs';
import type { CalendarEventState, Occurrence } from '../domain/calendar-event';
import type { ScheduleEventCommand } from '../schedule-event/schedule-event.command';

export interface EventPreview {
  id: string;
  state: CalendarEventState;
  /** A series' first instances from its start, in start order (empty for a single event). */
  instances: Occurrence[];
  /** The series has instances after those listed. */
  more: boolean;
}

/** What scheduling `payload` would record, and a series' first `instances`, appending nothing. */
export class PreviewEventQuery extends Query<EventPreview> {
  constructor(
    readonly id: string,
    readonly payload: ScheduleEventCommand['payload'],
    readonly instances: number,
  ) {
    super();
  }
}
