import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';

/** "This and following": end the series before the instance, and schedule a new series (`newId`) from it. */
export class SplitSeriesCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    readonly instanceToken: string,
    readonly newId: string,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}
