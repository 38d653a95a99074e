import { DateTime, Duration } from 'luxon';
import { toInstants } from '../../scheduling/domain/time';

/** DESIGN §4: default, bounds and count of a subscription's lead times. */
export const DEFAULT_LEAD_TIMES: readonly string[] = ['P1D'];
export const MIN_LEAD_TIME = 'PT5M';
export const MAX_LEAD_TIME = 'P30D';
export const MAX_LEAD_TIMES = 5;
/** A reminder whose due time passed more than this is not sent. */
export const STALE_AFTER_MS = 15 * 60_000;
/** Local wall-clock time that stands for "start" of an all-day event. */
export const ALL_DAY_REMINDER_HOUR = 9;

export interface ReminderTiming {
  /** The event's start: `{date}` (all-day) or `{dateTime}` (wall clock in `timeZone`). */
  start: { date: string } | { dateTime: string };
  timeZone: string;
}

/**
 * Parses a lead time; null when it is not an ISO-8601 duration this system accepts.
 * Years and months are refused: their length depends on the calendar, so "at most P30D"
 * could not be checked once and for all (P1M is 28 to 31 days).
 */
export function parseLeadTime(leadTime: string): Duration | null {
  if (typeof leadTime !== 'string') return null;
  const d = Duration.fromISO(leadTime);
  if (!d.isValid || d.years || d.months || d.quarters) return null;
  return Object.values(d.toObject()).some((v) => v < 0) ? null : d;
}

/** Why a list of lead times is refused, or null when it is valid (DESIGN §4). */
export function leadTimesProblem(leadTimes: readonly string[]): string | null {
  if (leadTimes.length > MAX_LEAD_TIMES) return `at most ${MAX_LEAD_TIMES} lead times`;
  const min = Duration.fromISO(MIN_LEAD_TIME).toMillis();
  const max = Duration.fromISO(MAX_LEAD_TIME).toMillis();
  for (const l of leadTimes) {
    const d = parseLeadTime(l);
    if (!d) return `${String(l)} is not an ISO-8601 duration in weeks, days, hours, minutes or seconds`;
    // Days count as 24 h here (as in the subscriptions module's validation): only the bound
    // check, the due time itself uses the calendar.
    const ms = d.toMillis();
    if (ms < min || ms > max) return `${l} is outside ${MIN_LEAD_TIME}..${MAX_LEAD_TIME}`;
  }
  if (new Set(leadTimes).size !== leadTimes.length) return 'lead times repeat';
  return null;
}

/** The lead times of a subscription: its own, or the default when it gave none. */
export const effectiveLeadTimes = (leadTimes: readonly string[] | null | undefined): string[] =>
  leadTimes && leadTimes.length ? [...leadTimes] : [...DEFAULT_LEAD_TIMES];

/** The moment reminders count back from: the start, or 09:00 local on an all-day event's first day. */
export function reminderStart(e: ReminderTiming): DateTime {
  const wall: { dateTime: string } = 'date' in e.start ? { dateTime: `${e.start.date}T${String(ALL_DAY_REMINDER_HOUR).padStart(2, '0')}:00` } : e.start;
  // The scheduling domain's reading of a wall clock (first occurrence when it repeats, shifted
  // through a gap), so a reminder counts back from exactly the event's `startsAt`.
  const { startsAt } = toInstants(wall, wall, e.timeZone, { lenient: true });
  return DateTime.fromISO(startsAt, { zone: e.timeZone });
}

/**
 * Due time = start − lead time, subtracted in the event's zone with calendar arithmetic:
 * day and week parts keep the wall-clock time (P1D before 09:00 is 09:00 the day before,
 * 23 or 25 hours across a DST change, which is what people expect of "a day before"), hour,
 * minute and second parts are exact elapsed time (PT24H is always 24 hours).
 * Timed events follow the same rule. A wall-clock result inside a DST gap moves forward.
 */
export function dueAt(e: ReminderTiming, leadTime: string): Date {
  const lead = parseLeadTime(leadTime);
  if (!lead) throw new Error(`invalid lead time ${leadTime}`);
  return reminderStart(e).minus(lead).toJSDate();
}

/** True when the due time passed more than 15 minutes ago: such a reminder is not sent. */
export const isStale = (due: Date, now: Date): boolean => now.getTime() - due.getTime() > STALE_AFTER_MS;
