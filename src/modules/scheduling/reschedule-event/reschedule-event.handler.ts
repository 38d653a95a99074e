import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { RescheduleEventCommand } from './reschedule-event.command';

@CommandHandler(RescheduleEventCommand)
export class RescheduleEventHandler implements ICommandHandler<RescheduleEventCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  execute(c: RescheduleEventCommand): Promise<CalendarEventOutcome> {
    return this.events.execute(c.id, { kind: 'reschedule', ...c.payload }, c.ctx);
  }
}
