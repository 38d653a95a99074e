import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { CancelEvent } from '../domain/commands';

export class CancelEventCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    readonly payload: Omit<CancelEvent, 'kind'>,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
