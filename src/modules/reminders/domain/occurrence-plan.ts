import { type CalendarEventState, type Occurrence, occurrencesBetween } from '../../scheduling/domain/calendar-event';
import { occurrenceKey } from '../../scheduling/domain/recurrence';
import { MAX_LEAD_MS } from '../../subscriptions/domain/lead-times';

/** Margin beyond the longest lead time: instances are planned while the extension job runs (hourly) with days to spare. */
export const HORIZON_MARGIN_MS = 2 * 24 * 3600_000;
/**
 * How far ahead a series' instances are planned: the longest lead time (P30D) plus the margin, so
 * every reminder is planned before it is due, and a series never has rows for years ahead.
 */
export const REMINDER_HORIZON_MS = MAX_LEAD_MS + HORIZON_MARGIN_MS;

export interface PlannedOccurrence {
  /** The instance's original start as its key in the series (`occurrenceKey`). */
  occurrence: string;
  occurrence_start: Occurrence['start'];
  startsAt: string;
  endsAt: string;
}

/**
 * The live instances of a series that start in (after, until] (UTC millis): what is planned
 * between two horizons. A cancelled series or instance has none.
 */
export function occurrencesToPlan(state: CalendarEventState, after: number, until: number): PlannedOccurrence[] {
  if (state.status !== 'scheduled' || until <= after) return [];
  return occurrencesBetween(state, after, until + 1)
    .filter((o) => {
      const s = Date.parse(o.instants.startsAt);
      return s > after && s <= until;
    })
    .map((o) => ({ occurrence: occurrenceKey(o.originalStart), occurrence_start: o.start, startsAt: o.instants.startsAt, endsAt: o.instants.endsAt }));
}
