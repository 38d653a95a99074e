import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { ChangeRecurrence } from '../domain/commands';

export class ChangeRecurrenceCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    readonly payload: Omit<ChangeRecurrence, 'kind'>,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
