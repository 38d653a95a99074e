import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { ChangeEventDetails } from '../domain/commands';

export class ChangeEventDetailsCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    readonly payload: Omit<ChangeEventDetails, 'kind'>,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
