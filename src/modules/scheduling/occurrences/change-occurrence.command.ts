import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { CancelOccurrence, ChangeOccurrenceDetails, RescheduleOccurrence } from '../domain/commands';

/** A reschedule, details change or cancel of one instance of a series (on the series' stream). */
export class ChangeOccurrenceCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    readonly command: RescheduleOccurrence | ChangeOccurrenceDetails | CancelOccurrence,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
