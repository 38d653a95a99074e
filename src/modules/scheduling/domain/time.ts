import { DateTime, IANAZone } from 'luxon';
import { boundedMemo } from '../../../common/memo';
import { EARLIEST_DATE, LATEST_DATE, dayInRange } from './limits';

/** All-day: `{date}` with an inclusive last day. Timed: `{dateTime}` wall clock in the event's zone. */
export type EventTime = { date: string } | { dateTime: string };

export interface Instants {
  startsAt: string;
  endsAt: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

export class TimeRuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
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
const zoneValidity = boundedMemo<boolean>(2000);
const canonicalZones = boundedMemo<string>(2000);

/**
 * Numbers kept per zone and numeric key (building a string key per lookup cost more than the
 * lookup), all dropped together once 50,000 are kept: folding streams asks for the same days
 * over and over.
 */
class PerZone {
  private readonly byZone = new Map<string, Map<number, number>>();
  private kept = 0;

  get(zone: string, key: number, compute: () => number): number {
    let inZone = this.byZone.get(zone);
    const known = inZone?.get(key);
    if (known !== undefined) return known;
    if (this.kept >= 50_000) {
      this.byZone.clear();
      this.kept = 0;
      inZone = undefined;
    }
    if (!inZone) this.byZone.set(zone, (inZone = new Map()));
    const value = compute();
    inZone.set(key, value);
    this.kept++;
    return value;
  }
}

/** Per zone, per instant. */
const zoneOffsets = new PerZone();

/**
 * The zone's UTC offset (minutes) at an instant, kept: luxon asks Intl for it every time (a
 * rebuild spent most of its time here).
 */
function offsetAt(zone: string, ts: number): number {
  return zoneOffsets.get(zone, ts, () => IANAZone.create(zone).offset(ts));
}

export function isValidTimeZone(zone: string): boolean {
  return zoneValidity(zone, () => IANAZone.isValidZone(zone));
}

const DAY_MS = 86_400_000;

/**
 * A wall clock 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:mm[:ss]' (shape already checked) read as if it
 * were UTC, in milliseconds; null when no such calendar date or time exists (2026-02-30, 24:00).
 * Plain Date arithmetic: no zone is involved, and this runs for every event a rebuild folds.
 */
function wallMillis(s: string): number | null {
  return wallClocks(s, () => readWallMillis(s));
}

/** Wall clocks already read, and instants already written (a fold meets the same days again and again). */
const wallClocks = boundedMemo<number | null>(50_000);
const instantTexts = boundedMemo<string, number>(50_000);

function readWallMillis(s: string): number | null {
  const [y, mo, d] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))];
  const [h, mi, sec] = s.length > 10 ? [Number(s.slice(11, 13)), Number(s.slice(14, 16)), s.length > 16 ? Number(s.slice(17, 19)) : 0] : [0, 0, 0];
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0–99 as 1900–1999
  t.setUTCHours(h, mi, sec, 0);
  const same = t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === sec;
  return same ? t.getTime() : null;
}

/**
 * The instant a wall-clock time (as `wallMillis` gives it) names in `zone`, or null inside a
 * DST gap. A time that occurs twice (fall back) is its FIRST occurrence, as RFC 5545 §3.3.5
 * says. Luxon alone would guess the offset from today's date, so the same stored event would
 * move with the season it is read in. The zone's rules come from luxon/Intl (`offsetAt`).
 */
function fromWallClock(local: number, zone: string): number | null {
  const candidates = [-1, 0, 1]
    .map((d) => offsetAt(zone, local + d * DAY_MS))
    .map((offset) => local - offset * 60_000)
    .filter((ts) => offsetAt(zone, ts) * 60_000 === local - ts);
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/** Per zone, per day: its first instant (every all-day event asks for two). */
const midnights = new PerZone();

/** Local midnight of `day` (wall-clock millis) in `zone`; where midnight is skipped, the first instant of that day. */
function startOfDay(day: number, zone: string): number {
  return midnights.get(zone, day, () => fromWallClock(day, zone) ?? firstInstantOf(day, zone));
}

function firstInstantOf(day: number, zone: string): number {
  const d = new Date(day);
  return DateTime.fromObject({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, { zone })
    .startOf('day')
    .toMillis();
}

const OUT_OF_RANGE = `must lie between ${EARLIEST_DATE} and ${LATEST_DATE}`;

/**
 * Parses one end of a range; throws TimeRuleError naming the field. `lenient` shifts through gaps.
 * All-day: the date's wall-clock millis (local midnight is found by the caller); timed: the instant.
 */
function localTime(field: string, t: EventTime, zone: string, lenient: boolean): number {
  if (isAllDay(t)) {
    if (typeof t.date !== 'string' || !DATE.test(t.date)) throw new TimeRuleError(`${field}.date`, 'must be a date YYYY-MM-DD');
    const d = wallMillis(t.date);
    if (d === null) throw new TimeRuleError(`${field}.date`, `${t.date} is not a calendar date`);
    if (!lenient && !dayInRange(t.date)) throw new TimeRuleError(`${field}.date`, OUT_OF_RANGE);
    return d;
  }
  if (typeof t.dateTime !== 'string' || !DATE_TIME.test(t.dateTime)) {
    throw new TimeRuleError(`${field}.dateTime`, 'must be a local date-time YYYY-MM-DDTHH:mm[:ss] without offset');
  }
  const wall = wallMillis(t.dateTime);
  if (wall === null) throw new TimeRuleError(`${field}.dateTime`, `${t.dateTime} is not a valid date-time`);
  if (!lenient && !dayInRange(t.dateTime)) throw new TimeRuleError(`${field}.dateTime`, OUT_OF_RANGE);
  const d = fromWallClock(wall, zone);
  if (d !== null) return d;
  if (lenient) return DateTime.fromISO(t.dateTime, { zone }).toMillis();
  throw new TimeRuleError(`${field}.dateTime`, `${t.dateTime} does not exist in ${zone} (daylight-saving gap)`);
}

/**
 * RFC 3339 in UTC without milliseconds when there are none: the one form `startsAt`/`endsAt`
 * take everywhere (responses, job payloads, delivery keys), so equal instants compare equal.
 */
export const isoInstant = (at: Date | number): string => {
  const s = new Date(at).toISOString();
  // endsWith and slice: a regular expression here was a third of a rebuild's time in this function.
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
};

/**
 * Derived UTC instants (contract): all-day runs from local midnight of the first day to
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
  if (isAllDay(end)) e = startOfDay(e + DAY_MS, zone);
  if (isAllDay(start) ? e <= s : e < s) {
    if (!lenient) throw new TimeRuleError('end', 'end is before start');
    e = s;
  }
  return { startsAt: instantText(s), endsAt: instantText(e) };
}

/** `isoInstant` of UTC millis, kept. */
function instantText(ms: number): string {
  return instantTexts(ms, () => isoInstant(ms));
}

/**
 * `toInstants(…, { lenient: true })` for wall clocks already read as millis (start, and end as
 * the series' form has it: an all-day end is its last day), as UTC millis: an expansion places
 * thousands of instances per listing, and formatting each wall clock to parse it back, then its
 * instants to strings, cost more than placing it. Same rules: a time in a gap is shifted forward.
 */
export function wallToInstantMillis(startWall: number, endWall: number, allDay: boolean, zone: string): { startsAt: number; endsAt: number } {
  if (!isValidTimeZone(zone)) zone = 'UTC';
  const place = (wall: number): number => fromWallClock(wall, zone) ?? DateTime.fromISO(new Date(wall).toISOString().slice(0, 19), { zone }).toMillis();
  const s = allDay ? startOfDay(startWall, zone) : place(startWall);
  let e = allDay ? startOfDay(endWall + DAY_MS, zone) : place(endWall);
  if (allDay ? e <= s : e < s) e = s;
  return { startsAt: s, endsAt: e };
}

/** The canonical spelling of an IANA zone ('america/new_york' → 'America/New_York'). */
export function canonicalTimeZone(zone: string): string {
  if (!isValidTimeZone(zone)) return zone;
  return canonicalZones(zone, () => new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone);
}

export function sameTime(a: EventTime, b: EventTime): boolean {
  return isAllDay(a) ? isAllDay(b) && a.date === b.date : !isAllDay(b) && normalizeDateTime(a.dateTime) === normalizeDateTime(b.dateTime);
}

function normalizeDateTime(s: string): string {
  return s.length === 16 ? `${s}:00` : s;
}
