import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { ScheduleEvent } from '../domain/commands';

export class ScheduleEventCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    /** Without `timeZone`, the place's zone (refused when the place has several). */
    readonly payload: Omit<ScheduleEvent, 'kind' | 'timeZone'> & { timeZone?: string },
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
