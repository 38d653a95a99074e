import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { StoredEvent } from '../../../events/envelope';
import { EventStore } from '../../../events/event-store.port';
import { calendarEventStream } from '../domain/events';
import { GetEventHistoryQuery } from './get-event-history.query';

@QueryHandler(GetEventHistoryQuery)
export class GetEventHistoryHandler implements IQueryHandler<GetEventHistoryQuery> {
  constructor(private readonly store: EventStore) {}

  execute(q: GetEventHistoryQuery): Promise<StoredEvent[]> {
    return this.store.readStream(calendarEventStream(q.id));
  }
}
