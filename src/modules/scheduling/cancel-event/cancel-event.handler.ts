import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { CancelEventCommand } from './cancel-event.command';

@CommandHandler(CancelEventCommand)
export class CancelEventHandler implements ICommandHandler<CancelEventCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  execute(c: CancelEventCommand): Promise<CalendarEventOutcome> {
    return this.events.execute(c.id, { kind: 'cancel', ...c.payload }, c.ctx);
  }
}
