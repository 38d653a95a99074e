import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { representRow } from '../read-model/calendar-row';
import { CalendarReadModel } from '../read-model/calendar.read-model';
import { ViewVersion } from '../read-model/view-version';
import { CalendarEventRead, GetCalendarEventQuery } from './get-calendar-event.query';

@QueryHandler(GetCalendarEventQuery)
export class GetCalendarEventHandler implements IQueryHandler<GetCalendarEventQuery> {
  constructor(
    private readonly model: CalendarReadModel,
    private readonly version: ViewVersion,
  ) {}

  async execute({ id }: GetCalendarEventQuery): Promise<CalendarEventRead> {
    // The parked events are kept between the view's commits (as the list's warning uses them):
    // the row is then one statement, and where it is parked is read only for a parked event.
    const [row, parkedIds] = await Promise.all([this.model.get(id), this.version.parked()]);
    const parked = parkedIds.has(id) ? await this.model.parkedAt(id) : undefined;
    return { event: row ? representRow(row) : null, parkedAt: parked ?? null };
  }
}
