import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CalendarEventRepository } from '../calendar-event.repository';
import { occurrencesBetween } from '../domain/calendar-event';
import { timeZoneFor } from '../places/time-zone.resolver';
import { EventPreview, PreviewEventQuery } from './preview-event.query';

/** Past every date the domain accepts: "from the start on, however far". */
const END_OF_RANGE = Date.UTC(9999, 0, 1);

/**
 * The schedule command's own path (zone from the place, the decider's checks, the same
 * expansion the calendar lists), run dry: the console previews exactly what the server will make.
 */
@QueryHandler(PreviewEventQuery)
export class PreviewEventHandler implements IQueryHandler<PreviewEventQuery> {
  constructor(private readonly events: CalendarEventRepository) {}

  async execute(q: PreviewEventQuery): Promise<EventPreview> {
    const command = { kind: 'schedule', ...q.payload, timeZone: timeZoneFor(q.payload.location, q.payload.timeZone) } as const;
    const { state } = await this.events.dryRun(q.id, command);
    if (!state.recurrence || !state.instants) return { id: q.id, state, instances: [], more: false };
    const found = occurrencesBetween(state, Date.parse(state.instants.startsAt), END_OF_RANGE, { limit: q.instances + 1 });
    return { id: q.id, state, instances: found.slice(0, q.instances), more: found.length > q.instances };
  }
}
