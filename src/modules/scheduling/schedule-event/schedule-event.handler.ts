import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { ScheduleEventCommand } from './schedule-event.command';

@CommandHandler(ScheduleEventCommand)
export class ScheduleEventHandler implements ICommandHandler<ScheduleEventCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  execute(c: ScheduleEventCommand): Promise<CalendarEventOutcome> {
    return this.events.execute(c.id, { kind: 'schedule', ...c.payload }, c.ctx);
  }
}
