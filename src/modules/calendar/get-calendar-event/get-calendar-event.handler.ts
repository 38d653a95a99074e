import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { representRow } from '../read-model/calendar-row';
import { CalendarReadModel } from '../read-model/calendar.read-model';
import { CalendarEventRead, GetCalendarEventQuery } from './get-calendar-event.query';

@QueryHandler(GetCalendarEventQuery)
export class GetCalendarEventHandler implements IQueryHandler<GetCalendarEventQuery> {
  constructor(private readonly model: CalendarReadModel) {}

  async execute({ id }: GetCalendarEventQuery): Promise<CalendarEventRead> {
    const [row, parked] = await Promise.all([this.model.get(id), this.model.parkedAt(id)]);
    return { event: row ? representRow(row) : null, parkedAt: parked ?? null };
  }
}
