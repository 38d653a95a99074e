import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { VersionMismatchError, aggregate } from '../../../events/aggregate';
import { EventStore, WrongExpectedVersionError } from '../../../events/event-store.port';
import type { CalendarEventOutcome } from '../calendar-event.command';
import { calendarEventDecider, decide, detailsAfter, evolve, initialState, occurrenceOf, resolveOriginalStart, seriesTiming } from '../domain/calendar-event';
import type { CalendarEventCommand } from '../domain/commands';
import { eventAlreadyExists, eventCancelled, eventNotFound, instanceNotInSeries, notRecurring, splitAtFirstInstance } from '../domain/errors';
import { calendarEventStream } from '../domain/events';
import { instanceOf, splitRecurrence } from '../domain/recurrence';
import { SplitSeriesCommand } from './split-series.command';

/** Attempts when another writer changed the series meanwhile (without If-Match the split is decided again). */
const MAX_ATTEMPTS = 20;

/**
 * "This and following" changes two streams: the new series is scheduled and the old series'
 * rule is cut before the instance. Both are decided on the state just read and appended in ONE
 * transaction (EventStore.appendMany), so the log never holds one half of a split.
 */
@CommandHandler(SplitSeriesCommand)
export class SplitSeriesHandler implements ICommandHandler<SplitSeriesCommand> {
  constructor(private readonly store: EventStore) {}

  async execute(c: SplitSeriesCommand): Promise<CalendarEventOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(c);
      } catch (err) {
        // Another writer moved the series: decide again on its new state (If-Match: the client's conflict).
        if (!(err instanceof WrongExpectedVersionError) || err.streamId !== calendarEventStream(c.id) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  private async attempt(c: SplitSeriesCommand): Promise<CalendarEventOutcome> {
    const { state, version } = await aggregate(this.store, calendarEventStream(c.id), calendarEventDecider);
    if (state.status === 'absent') throw eventNotFound();
    if (c.ctx.ifMatch !== undefined && c.ctx.ifMatch !== version) throw new VersionMismatchError(c.ctx.ifMatch, version);
    if (state.status === 'cancelled') throw eventCancelled();
    const series = seriesTiming(state);
    if (!series) throw notRecurring();
    const originalStart = resolveOriginalStart(state, { instanceToken: c.instanceToken });
    const occurrence = originalStart && occurrenceOf(state, originalStart);
    if (!occurrence) throw instanceNotInSeries();
    const lines = splitRecurrence(series, occurrence.originalStart);
    if (!lines) throw splitAtFirstInstance();
    // The new series keeps the series' own times and details (not one instance's override),
    // less what the split changes: as if rescheduled and changed right after, in the same write.
    const first = instanceOf(series, occurrence.originalStart);
    const { start, end, timeZone, ...details } = c.changes;
    const schedule: CalendarEventCommand = {
      kind: 'schedule',
      ...detailsAfter(state.details!, details),
      timeZone: timeZone ?? state.timeZone,
      start: start ?? first.start,
      end: end ?? first.end,
      recurrence: lines.after,
    };
    const created = decide(initialState, schedule);
    const cut = decide(state, { kind: 'change-recurrence', recurrence: lines.before, reason: `split: continued as ${c.newId}` });
    const appends = [
      { streamId: calendarEventStream(c.newId), expectedVersion: 0, events: created },
      ...(cut.length ? [{ streamId: calendarEventStream(c.id), expectedVersion: version, events: cut }] : []),
    ];
    let results;
    try {
      results = await this.store.appendMany(appends, c.ctx.metadata);
    } catch (err) {
      if (err instanceof WrongExpectedVersionError && err.streamId === calendarEventStream(c.newId)) throw eventAlreadyExists();
      if (err instanceof WrongExpectedVersionError && c.ctx.ifMatch !== undefined) throw new VersionMismatchError(c.ctx.ifMatch, err.actualVersion);
      throw err;
    }
    // X-Log-Position: the later of the two, so a read that waits for it sees both halves.
    const position = results.map((r) => r.position).reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));
    return { id: c.newId, state: created.reduce(evolve, initialState), version: results[0].version, position, changed: true };
  }
}
