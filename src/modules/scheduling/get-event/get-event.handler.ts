import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Loaded, aggregate } from '../../../events/aggregate';
import { EventStore } from '../../../events/event-store.port';
import { CalendarEventState, calendarEventDecider } from '../domain/calendar-event';
import { calendarEventStream } from '../domain/events';
import { GetEventQuery } from './get-event.query';

@QueryHandler(GetEventQuery)
export class GetEventHandler implements IQueryHandler<GetEventQuery> {
  constructor(private readonly store: EventStore) {}

  async execute(q: GetEventQuery): Promise<Loaded<CalendarEventState>> {
    const { state, version, position } = await aggregate(this.store, calendarEventStream(q.id), calendarEventDecider, q.asOf);
    return { state, version, position };
  }
}
