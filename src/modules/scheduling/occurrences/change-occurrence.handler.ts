import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { ChangeOccurrenceCommand } from './change-occurrence.command';

@CommandHandler(ChangeOccurrenceCommand)
export class ChangeOccurrenceHandler implements ICommandHandler<ChangeOccurrenceCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  execute(c: ChangeOccurrenceCommand): Promise<CalendarEventOutcome> {
    return this.events.execute(c.id, c.command, c.ctx);
  }
}
