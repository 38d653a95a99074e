import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { aggregate } from '../../../events/aggregate';
import { EventStore } from '../../../events/event-store.port';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { CalendarEventRepository } from '../calendar-event.repository';
import { calendarEventDecider, occurrenceOf, resolveOriginalStart, seriesTiming } from '../domain/calendar-event';
import { eventCancelled, eventNotFound, instanceNotInSeries, notRecurring, splitAtFirstInstance } from '../domain/errors';
import { calendarEventStream } from '../domain/events';
import { instanceOf, splitRecurrence } from '../domain/recurrence';
import { SplitSeriesCommand } from './split-series.command';

/**
 * Two streams, so two appends: the new series first (a retry with the same Idempotency-Key, or
 * the same new id, finds it), then the old series' rule is cut. If the second append fails the
 * request fails and may be retried; the new series' id is then already taken (409), which the
 * client sees, so nothing is silently duplicated.
 */
@CommandHandler(SplitSeriesCommand)
export class SplitSeriesHandler implements ICommandHandler<SplitSeriesCommand> {
  constructor(
    private readonly store: EventStore,
    private readonly events: CalendarEventRepository,
  ) {}

  async execute(c: SplitSeriesCommand): Promise<CalendarEventOutcome> {
    const { state, version } = await aggregate(this.store, calendarEventStream(c.id), calendarEventDecider);
    if (state.status === 'absent') throw eventNotFound();
    if (state.status === 'cancelled') throw eventCancelled();
    const series = seriesTiming(state);
    if (!series) throw notRecurring();
    const originalStart = resolveOriginalStart(state, { instanceToken: c.instanceToken });
    const occurrence = originalStart && occurrenceOf(state, originalStart);
    if (!occurrence) throw instanceNotInSeries();
    const lines = splitRecurrence(series, occurrence.originalStart);
    if (!lines) throw splitAtFirstInstance();
    // The new series keeps the series' own times and details (not one instance's override).
    const first = instanceOf(series, occurrence.originalStart);
    const created = await this.events.execute(
      c.newId,
      {
        kind: 'schedule',
        ...state.details!,
        timeZone: state.timeZone,
        start: first.start,
        end: first.end,
        recurrence: lines.after,
      },
      { metadata: c.ctx.metadata },
    );
    await this.events.execute(c.id, { kind: 'change-recurrence', recurrence: lines.before, reason: `split: continued as ${c.newId}` }, { metadata: c.ctx.metadata, ifMatch: c.ctx.ifMatch ?? version });
    return created;
  }
}
