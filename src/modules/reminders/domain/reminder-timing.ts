import { DateTime, Duration } from 'luxon';
import { toInstants } from '../../scheduling/domain/time';
import { DEFAULT_LEAD_TIMES } from '../../subscriptions/domain/lead-times';

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
 * Parses a lead time for counting back; null when it is not a duration this system can count
 * with (bounds and count are checked where a subscription is made, in lead-times.ts).
 */
export function parseLeadTime(leadTime: string): Duration | null {
  if (typeof leadTime !== 'string') return null;
  const d = Duration.fromISO(leadTime);
  if (!d.isValid || d.years || d.months || d.quarters) return null;
  return Object.values(d.toObject()).some((v) => v < 0) ? null : d;
}

/** The lead times of a subscription: its own, or the default when it gave none. */
export const effectiveLeadTimes = (leadTimes: readonly string[] | null | undefined): string[] => (leadTimes && leadTimes.length ? [...leadTimes] : [...DEFAULT_LEAD_TIMES]);

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
