import { Command } from '@nestjs/cqrs';
import type { CalendarEventOutcome, CommandContext } from '../calendar-event.command';
import type { ChangeEventDetails } from '../domain/commands';
import type { EventTime } from '../domain/time';

/** What the new series changes from the series: details as a change does, times as a reschedule (start and end together). */
export type SplitChanges = Omit<ChangeEventDetails, 'kind'> & { start?: EventTime; end?: EventTime; timeZone?: string };

/** "This and following": end the series before the instance, and schedule a new series (`newId`) from it, with `changes`. */
export class SplitSeriesCommand extends Command<CalendarEventOutcome> {
  constructor(
    readonly id: string,
    readonly instanceToken: string,
    readonly newId: string,
    readonly ctx: CommandContext,
    readonly changes: SplitChanges = {},
  ) {
    super();
  }
}
