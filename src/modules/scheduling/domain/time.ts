import { DateTime, IANAZone } from 'luxon';

/** All-day: `{date}` with an inclusive last day. Timed: `{dateTime}` wall clock in the event's zone. */
export type EventTime = { date: string } | { dateTime: string };

export interface Instants {
  startsAt: string;
  endsAt: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

export class TimeRuleError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'TimeRuleError';
  }
}

export function isAllDay(t: EventTime): t is { date: string } {
  return 'date' in t;
}

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Parses one end of a range; throws TimeRuleError naming the field. */
function localTime(field: string, t: EventTime, zone: string): DateTime {
  if (isAllDay(t)) {
    if (typeof t.date !== 'string' || !DATE.test(t.date)) throw new TimeRuleError(`${field}.date`, 'must be a date YYYY-MM-DD');
    const d = DateTime.fromISO(t.date, { zone });
    if (!d.isValid) throw new TimeRuleError(`${field}.date`, `${t.date} is not a calendar date`);
    return d.startOf('day');
  }
  if (typeof t.dateTime !== 'string' || !DATE_TIME.test(t.dateTime)) {
    throw new TimeRuleError(`${field}.dateTime`, 'must be a local date-time YYYY-MM-DDTHH:mm[:ss] without offset');
  }
  const d = DateTime.fromISO(t.dateTime, { zone });
  if (!d.isValid) throw new TimeRuleError(`${field}.dateTime`, `${t.dateTime} is not a valid date-time`);
  // A wall-clock time inside a DST gap does not exist; luxon would silently shift it.
  const wall = d.toFormat(t.dateTime.length === 16 ? "yyyy-LL-dd'T'HH:mm" : "yyyy-LL-dd'T'HH:mm:ss");
  if (wall !== t.dateTime) throw new TimeRuleError(`${field}.dateTime`, `${t.dateTime} does not exist in ${zone} (daylight-saving gap)`);
  return d;
}

/**
 * Derived UTC instants (DESIGN §2): all-day runs from local midnight of the first day to
 * local midnight after the last day; timed uses the wall clock in `zone`.
 */
export function toInstants(start: EventTime, end: EventTime, zone: string): Instants {
  if (!isValidTimeZone(zone)) throw new TimeRuleError('timeZone', `${zone} is not an IANA time zone`);
  if (isAllDay(start) !== isAllDay(end)) throw new TimeRuleError('end', 'start and end must both be dates or both be date-times');
  const s = localTime('start', start, zone);
  let e = localTime('end', end, zone);
  if (isAllDay(end)) e = e.plus({ days: 1 }).startOf('day');
  if (isAllDay(start) ? e <= s : e < s) throw new TimeRuleError('end', 'end is before start');
  return { startsAt: s.toUTC().toISO({ suppressMilliseconds: true })!, endsAt: e.toUTC().toISO({ suppressMilliseconds: true })! };
}

export function sameTime(a: EventTime, b: EventTime): boolean {
  return isAllDay(a) ? isAllDay(b) && a.date === b.date : !isAllDay(b) && normalizeDateTime(a.dateTime) === normalizeDateTime(b.dateTime);
}

function normalizeDateTime(s: string): string {
  return s.length === 16 ? `${s}:00` : s;
}
