import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { ScheduleEvent } from '../domain/commands';

export class ScheduleEventCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    readonly payload: Omit<ScheduleEvent, 'kind'>,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
