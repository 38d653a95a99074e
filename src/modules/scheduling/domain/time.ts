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

/**
 * Answers per zone name, kept: every check builds an Intl.DateTimeFormat, which costs far more
 * than the rest of a command and whose native memory the GC reclaims late (a rebuild calling
 * it per event grew to gigabytes). Bounded, since names come from clients.
 */
const ZONE_CACHE_LIMIT = 2000;
const zoneValidity = new Map<string, boolean>();
const canonicalZones = new Map<string, string>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= ZONE_CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

const zoneOffsets = new Map<string, number>();

/**
 * The zone's UTC offset (minutes) at an instant, kept: luxon asks Intl for it every time, and
 * folding a stream asks for the same days over and over (a rebuild spent most of its time here).
 */
function offsetAt(zone: string, ts: number): number {
  const key = `${zone}|${ts}`;
  const known = zoneOffsets.get(key);
  if (known !== undefined) return known;
  if (zoneOffsets.size >= 50_000) zoneOffsets.clear();
  const offset = IANAZone.create(zone).offset(ts);
  zoneOffsets.set(key, offset);
  return offset;
}

export function isValidTimeZone(zone: string): boolean {
  return zoneValidity.get(zone) ?? remember(zoneValidity, zone, IANAZone.isValidZone(zone));
}

/**
 * The instant a wall-clock time names in `zone`, or null inside a DST gap. A time that occurs
 * twice (fall back) is its FIRST occurrence, as RFC 5545 §3.3.5 says. Luxon alone would guess
 * the offset from today's date, so the same stored event would move with the season it is read in.
 */
function fromWallClock(wall: DateTime, zone: string): DateTime | null {
  const local = wall.toMillis(); // the wall clock read as if it were UTC
  const candidates = [-1, 0, 1]
    .map((d) => offsetAt(zone, local + d * 86_400_000))
    .map((offset) => local - offset * 60_000)
    .filter((ts) => offsetAt(zone, ts) * 60_000 === local - ts);
  // The instant, in UTC: callers compare and print instants only, and a zoned DateTime would
  // ask Intl for the offset once more.
  return candidates.length === 0 ? null : DateTime.fromMillis(Math.min(...candidates), { zone: 'utc' });
}

/** Local midnight of `day` in `zone`; where midnight is skipped, the first instant of that day. */
function startOfDay(day: DateTime, zone: string): DateTime {
  return fromWallClock(day, zone) ?? DateTime.fromObject({ year: day.year, month: day.month, day: day.day }, { zone }).startOf('day');
}

/** Parses one end of a range; throws TimeRuleError naming the field. `lenient` shifts through gaps. */
function localTime(field: string, t: EventTime, zone: string, lenient: boolean): DateTime {
  if (isAllDay(t)) {
    if (typeof t.date !== 'string' || !DATE.test(t.date)) throw new TimeRuleError(`${field}.date`, 'must be a date YYYY-MM-DD');
    const d = DateTime.fromISO(t.date, { zone: 'utc' });
    if (!d.isValid || d.toISODate() !== t.date) throw new TimeRuleError(`${field}.date`, `${t.date} is not a calendar date`);
    return d;
  }
  if (typeof t.dateTime !== 'string' || !DATE_TIME.test(t.dateTime)) {
    throw new TimeRuleError(`${field}.dateTime`, 'must be a local date-time YYYY-MM-DDTHH:mm[:ss] without offset');
  }
  const wall = DateTime.fromISO(t.dateTime, { zone: 'utc' });
  const format = t.dateTime.length === 16 ? "yyyy-LL-dd'T'HH:mm" : "yyyy-LL-dd'T'HH:mm:ss";
  if (!wall.isValid || wall.toFormat(format) !== t.dateTime) throw new TimeRuleError(`${field}.dateTime`, `${t.dateTime} is not a valid date-time`);
  const d = fromWallClock(wall, zone);
  if (d) return d;
  if (lenient) return DateTime.fromISO(t.dateTime, { zone });
  throw new TimeRuleError(`${field}.dateTime`, `${t.dateTime} does not exist in ${zone} (daylight-saving gap)`);
}

/**
 * Derived UTC instants (DESIGN §2): all-day runs from local midnight of the first day to
 * local midnight after the last day; timed uses the wall clock in `zone`.
 * `lenient` (for folding history) never throws on what was valid when it was recorded but a
 * newer time-zone database no longer accepts: it shifts through gaps and keeps the order.
 */
export function toInstants(start: EventTime, end: EventTime, zone: string, options: { lenient?: boolean } = {}): Instants {
  const lenient = options.lenient ?? false;
  if (!isValidTimeZone(zone)) {
    if (!lenient) throw new TimeRuleError('timeZone', `${zone} is not an IANA time zone`);
    zone = 'UTC';
  }
  if (isAllDay(start) !== isAllDay(end)) throw new TimeRuleError('end', 'start and end must both be dates or both be date-times');
  let s = localTime('start', start, zone, lenient);
  let e = localTime('end', end, zone, lenient);
  if (isAllDay(start)) s = startOfDay(s, zone);
  if (isAllDay(end)) e = startOfDay(e.plus({ days: 1 }), zone);
  if (isAllDay(start) ? e <= s : e < s) {
    if (!lenient) throw new TimeRuleError('end', 'end is before start');
    e = s;
  }
  return { startsAt: s.toUTC().toISO({ suppressMilliseconds: true })!, endsAt: e.toUTC().toISO({ suppressMilliseconds: true })! };
}

/** The canonical spelling of an IANA zone ('america/new_york' → 'America/New_York'). */
export function canonicalTimeZone(zone: string): string {
  const known = canonicalZones.get(zone);
  if (known !== undefined) return known;
  try {
    return remember(canonicalZones, zone, new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone);
  } catch {
    return zone;
  }
}

export function sameTime(a: EventTime, b: EventTime): boolean {
  return isAllDay(a) ? isAllDay(b) && a.date === b.date : !isAllDay(b) && normalizeDateTime(a.dateTime) === normalizeDateTime(b.dateTime);
}

function normalizeDateTime(s: string): string {
  return s.length === 16 ? `${s}:00` : s;
}
