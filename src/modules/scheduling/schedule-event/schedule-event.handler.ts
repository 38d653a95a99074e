import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { timeZoneFor } from '../places/time-zone.resolver';
import { ScheduleEventCommand } from './schedule-event.command';

@CommandHandler(ScheduleEventCommand)
export class ScheduleEventHandler implements ICommandHandler<ScheduleEventCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  execute(c: ScheduleEventCommand): Promise<CalendarEventOutcome> {
    return this.events.execute(c.id, { kind: 'schedule', ...c.payload, timeZone: timeZoneFor(c.payload.location, c.payload.timeZone) }, c.ctx);
  }
}
