import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { RescheduleEvent } from '../domain/commands';

export class RescheduleEventCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    readonly payload: Omit<RescheduleEvent, 'kind'>,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
