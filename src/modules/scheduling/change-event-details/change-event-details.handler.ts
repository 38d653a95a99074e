import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { ChangeEventDetailsCommand } from './change-event-details.command';

@CommandHandler(ChangeEventDetailsCommand)
export class ChangeEventDetailsHandler implements ICommandHandler<ChangeEventDetailsCommand> {
  constructor(private readonly events: CalendarEventRepository) {}

  execute(c: ChangeEventDetailsCommand): Promise<CalendarEventOutcome> {
    return this.events.execute(c.id, { kind: 'change-details', ...c.payload }, c.ctx);
  }
}
