import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { EventRepresentation } from '../../scheduling/event-representation';
import { representRow } from '../read-model/calendar-row';
import { CalendarReadModel } from '../read-model/calendar.read-model';
import { GetCalendarEventQuery } from './get-calendar-event.query';

@QueryHandler(GetCalendarEventQuery)
export class GetCalendarEventHandler implements IQueryHandler<GetCalendarEventQuery> {
  constructor(private readonly model: CalendarReadModel) {}

  async execute({ id }: GetCalendarEventQuery): Promise<EventRepresentation | null> {
    const row = await this.model.get(id);
    return row ? representRow(row) : null;
  }
}
