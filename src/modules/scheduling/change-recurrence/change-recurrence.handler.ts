import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { ChangeRecurrenceCommand } from './change-recurrence.command';

@CommandHandler(ChangeRecurrenceCommand)
export class ChangeRecurrenceHandler implements ICommandHandler<ChangeRecurrenceCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  execute(c: ChangeRecurrenceCommand): Promise<CalendarEventOutcome> {
    return this.events.execute(c.id, { kind: 'change-recurrence', ...c.payload }, c.ctx);
  }
}
