import { DateTime } from 'luxon';
import { Options, RRule } from 'rrule';
import { textProblem } from '../../../common/domain/text';
import { boundedMemo } from '../../../common/memo';
import { EventTime, Instants, isAllDay, isValidTimeZone, isoInstant, toInstants, wallToInstantMillis } from './time';

/**
 * Recurrence as RFC 5545 lines (one RRULE, any EXDATE/RDATE), expanded at the series' wall
 * clock: the rule runs on "floating" times (the wall clock read as if it were UTC), and each
 * instance's wall clock is then placed in the series' zone. So 09:00 Europe/Berlin stays 09:00
 * across DST, which a rule run on UTC instants would not do.
 */

export class RecurrenceRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecurrenceRuleError';
  }
}

export const MAX_COUNT = 730;
export const MAX_LINES = 100;
const MAX_LINE_LENGTH = 2000;
const MAX_INTERVAL = 1000;
/** The input limits of every date the domain accepts. */
const MIN_WALL = Date.UTC(1000, 0, 1);
const MAX_WALL = Date.UTC(9998, 11, 31, 23, 59, 59);
/** Years beyond one 400-year calendar cycle that the existence check looks at. */
const FIRST_INSTANCE_HORIZON_YEARS = 10;

const ALLOWED_PARTS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);
const ALLOWED_FREQ = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);

/** A series' recurrence, parsed: the rule on floating times, and the added/removed floating instants. */
export interface ParsedRecurrence {
  rule: RRule;
  rdates: number[];
  exdates: Set<number>;
}

/** The series' timing, as the recurrence expands it. */
export interface SeriesTiming {
  start: EventTime;
  end: EventTime;
  timeZone: string;
  recurrence: string[];
}

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:mm[:ss]' as floating millis (the wall clock read as UTC). */
function floatingOf(t: EventTime): number {
  const s = isAllDay(t) ? `${t.date}T00:00:00` : t.dateTime.length === 16 ? `${t.dateTime}:00` : t.dateTime;
  const d = new Date(0);
  d.setUTCFullYear(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10)));
  d.setUTCHours(Number(s.slice(11, 13)), Number(s.slice(14, 16)), Number(s.slice(17, 19)), 0);
  return d.getTime();
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Floating millis back to the series' form. */
function eventTimeOf(floating: number, allDay: boolean): EventTime {
  const d = new Date(floating);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (allDay) return { date };
  return { dateTime: `${date}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` };
}

/** The key of an original start within its series: the series' form, seconds always written. */
export function occurrenceKey(t: EventTime): string {
  if (isAllDay(t)) return t.date;
  return t.dateTime.length === 16 ? `${t.dateTime}:00` : t.dateTime;
}

export function occurrenceTimeFromKey(key: string): EventTime {
  return key.length === 10 ? { date: key } : { dateTime: key };
}

/** An instant (UTC millis) as the wall clock of `zone`, floating. */
function floatingFromInstant(ms: number, zone: string): number {
  const local = DateTime.fromMillis(ms, { zone });
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/**
 * An RFC 5545 DATE or DATE-TIME value as floating millis in the series' zone: `Z` values are
 * instants, `TZID=` values are wall clocks of that zone, bare values are the series' wall clock.
 */
function floatingValue(value: string, tzid: string | null, zone: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) throw new RecurrenceRuleError(`${value} is not an RFC 5545 date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])`);
  const [, y, mo, d, h, mi, s, utc] = m;
  const t = new Date(0);
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  t.setUTCHours(Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), 0);
  if (
    t.getUTCFullYear() !== Number(y) ||
    t.getUTCMonth() !== Number(mo) - 1 ||
    t.getUTCDate() !== Number(d) ||
    t.getUTCHours() !== Number(h ?? 0) ||
    t.getUTCMinutes() !== Number(mi ?? 0) ||
    t.getUTCSeconds() !== Number(s ?? 0)
  ) {
    throw new RecurrenceRuleError(`${value} is not a calendar date or time`);
  }
  let floating = t.getTime();
  if (utc) floating = floatingFromInstant(floating, zone);
  else if (tzid && h !== undefined && tzid !== zone) {
    if (!isValidTimeZone(tzid)) throw new RecurrenceRuleError(`TZID=${tzid} is not an IANA time zone`);
    const instant = DateTime.fromISO(new Date(floating).toISOString().slice(0, 19), { zone: tzid }).toMillis();
    floating = floatingFromInstant(instant, zone);
  }
  if (floating < MIN_WALL || floating > MAX_WALL) throw new RecurrenceRuleError(`${value} lies outside 1000-01-01..9998-12-31`);
  return floating;
}

/** No control characters, no unpaired surrogates: the same limits as every text the domain takes. */
function checkLineText(line: unknown, index: number): string {
  if (typeof line !== 'string') throw new RecurrenceRuleError(`line ${index + 1} must be a string`);
  if (line.length === 0 || line.length > MAX_LINE_LENGTH) throw new RecurrenceRuleError(`line ${index + 1} must hold 1 to ${MAX_LINE_LENGTH} characters`);
  const problem = textProblem(line);
  if (problem) throw new RecurrenceRuleError(`line ${index + 1} ${problem}`);
  return line;
}

/** `NAME;PARAM=V;…:VALUE` split into its parts. */
function contentLine(line: string): { name: string; params: Map<string, string>; value: string } {
  const colon = line.indexOf(':');
  if (colon < 0) throw new RecurrenceRuleError(`"${line}" is not an RFC 5545 line (NAME:VALUE)`);
  const [name, ...paramParts] = line.slice(0, colon).split(';');
  const params = new Map<string, string>();
  for (const p of paramParts) {
    const eq = p.indexOf('=');
    if (eq < 0) throw new RecurrenceRuleError(`"${p}" is not a parameter (NAME=VALUE)`);
    params.set(p.slice(0, eq).toUpperCase(), p.slice(eq + 1));
  }
  return { name: name.toUpperCase(), params, value: line.slice(colon + 1) };
}

function ruleOptions(value: string, start: EventTime, zone: string): Partial<Options> {
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new RecurrenceRuleError(`RRULE part "${part}" is not NAME=VALUE`);
    const key = part.slice(0, eq).toUpperCase();
    if (!ALLOWED_PARTS.has(key)) throw new RecurrenceRuleError(`RRULE part ${key} is not supported (allowed: ${[...ALLOWED_PARTS].join(', ')})`);
    if (parts.has(key)) throw new RecurrenceRuleError(`RRULE part ${key} is given twice`);
    parts.set(key, part.slice(eq + 1).toUpperCase());
  }
  const freq = parts.get('FREQ');
  if (!freq) throw new RecurrenceRuleError('RRULE needs FREQ');
  if (!ALLOWED_FREQ.has(freq)) throw new RecurrenceRuleError(`FREQ=${freq} is not allowed (DAILY, WEEKLY, MONTHLY or YEARLY)`);
  if (parts.has('COUNT') && parts.has('UNTIL')) throw new RecurrenceRuleError('RRULE may have COUNT or UNTIL, not both');
  const count = parts.get('COUNT');
  if (count !== undefined && (!/^\d{1,4}$/.test(count) || Number(count) < 1 || Number(count) > MAX_COUNT)) {
    throw new RecurrenceRuleError(`COUNT must be 1 to ${MAX_COUNT}`);
  }
  const interval = parts.get('INTERVAL');
  if (interval !== undefined && (!/^\d{1,4}$/.test(interval) || Number(interval) < 1 || Number(interval) > MAX_INTERVAL)) {
    throw new RecurrenceRuleError(`INTERVAL must be 1 to ${MAX_INTERVAL}`);
  }
  const until = parts.get('UNTIL');
  parts.delete('UNTIL');
  let options: Partial<Options>;
  try {
    options = RRule.parseString([...parts].map(([k, v]) => `${k}=${v}`).join(';'));
  } catch (err) {
    throw new RecurrenceRuleError(`RRULE:${value} is not a valid rule (${(err as Error).message})`);
  }
  const numbers = (v: unknown): number[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]) as number[];
  if (numbers(options.bymonth).some((n) => !Number.isInteger(n) || n < 1 || n > 12)) throw new RecurrenceRuleError('BYMONTH must be 1 to 12');
  if (numbers(options.bymonthday).some((n) => !Number.isInteger(n) || n === 0 || n < -31 || n > 31)) throw new RecurrenceRuleError('BYMONTHDAY must be ±1 to ±31');
  if (numbers(options.bysetpos).some((n) => !Number.isInteger(n) || n === 0 || n < -366 || n > 366)) throw new RecurrenceRuleError('BYSETPOS must be ±1 to ±366');
  if (parts.has('BYDAY') && !/^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)(,([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU))*$/.test(parts.get('BYDAY')!)) {
    throw new RecurrenceRuleError('BYDAY must list days like MO, TU or -1FR');
  }
  const ordinals = /(^|,)[+-]?\d/.test(parts.get('BYDAY') ?? '');
  if (ordinals && (freq === 'DAILY' || freq === 'WEEKLY')) throw new RecurrenceRuleError('BYDAY with an ordinal (like -1FR) needs FREQ=MONTHLY or YEARLY');
  if (
    ordinals &&
    parts
      .get('BYDAY')!
      .split(',')
      .some((d) => Math.abs(parseInt(d, 10)) > (freq === 'MONTHLY' || parts.has('BYMONTH') ? 5 : 53))
  ) {
    throw new RecurrenceRuleError('a BYDAY ordinal is beyond the weeks of a month (5) or year (53)');
  }
  const weekDays = parts.has('BYDAY') ? parts.get('BYDAY')!.split(',').length : 1;
  if (freq === 'WEEKLY' && numbers(options.bysetpos).some((n) => Math.abs(n) > weekDays)) {
    throw new RecurrenceRuleError('BYSETPOS is beyond the days the rule makes in a week');
  }
  if (freq === 'DAILY' && parts.has('BYSETPOS')) throw new RecurrenceRuleError('BYSETPOS needs FREQ=WEEKLY, MONTHLY or YEARLY');
  const months = numbers(options.bymonth).length > 0 ? numbers(options.bymonth) : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const monthDays = numbers(options.bymonthday);
  const longest = (m: number) => [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  if (monthDays.length > 0 && !months.some((m) => monthDays.some((d) => Math.abs(d) <= longest(m)))) {
    throw new RecurrenceRuleError('the rule yields no instance (no such day in those months)');
  }
  if (until !== undefined) {
    // A date UNTIL on a timed series includes that whole day.
    const dateOnTimed = !isAllDay(start) && /^\d{8}$/.test(until);
    const floatingUntil = floatingValue(until, null, zone) + (dateOnTimed ? DAY_MS - 1000 : 0);
    if (floatingUntil < floatingOf(start)) throw new RecurrenceRuleError(`UNTIL ${until} is before the series' start`);
    options.until = new Date(floatingUntil);
  }
  return options;
}

/** The recurrence's lines checked and parsed; throws RecurrenceRuleError with a message a client can act on. */
export function parseRecurrence(lines: unknown, start: EventTime, zone: string): ParsedRecurrence {
  if (!Array.isArray(lines)) throw new RecurrenceRuleError('must be an array of RFC 5545 lines');
  if (lines.length === 0 || lines.length > MAX_LINES) throw new RecurrenceRuleError(`must hold 1 to ${MAX_LINES} lines`);
  let options: Partial<Options> | null = null;
  const rdates: number[] = [];
  const exdates = new Set<number>();
  const allDay = isAllDay(start);
  lines.forEach((raw, i) => {
    const { name, params, value } = contentLine(checkLineText(raw, i));
    if (name === 'RRULE') {
      if (options) throw new RecurrenceRuleError('only one RRULE line is allowed');
      options = ruleOptions(value, start, zone);
      return;
    }
    if (name !== 'EXDATE' && name !== 'RDATE') throw new RecurrenceRuleError(`${name} lines are not supported (RRULE, EXDATE, RDATE)`);
    const valueType = params.get('VALUE')?.toUpperCase();
    if (valueType !== undefined && valueType !== 'DATE' && valueType !== 'DATE-TIME') throw new RecurrenceRuleError(`${name};VALUE=${valueType} is not supported`);
    for (const v of value.split(',')) {
      const isDate = /^\d{8}$/.test(v);
      if (allDay !== isDate) throw new RecurrenceRuleError(`${name} ${v} must be a ${allDay ? 'date (YYYYMMDD)' : 'date-time (YYYYMMDDTHHMMSS)'} like the series' start`);
      const floating = floatingValue(v, params.get('TZID') ?? null, zone);
      if (name === 'EXDATE') exdates.add(floating);
      else rdates.push(floating);
    }
  });
  if (!options) throw new RecurrenceRuleError('needs one RRULE line');
  const parsed: Partial<Options> = options;
  const rule = new RRule({ ...parsed, dtstart: new Date(floatingOf(start)), tzid: null });
  const recurrence: ParsedRecurrence = { rule, rdates, exdates };
  if (!producesAnything(recurrence, floatingOf(start))) throw new RecurrenceRuleError('the rule yields no instance');
  return recurrence;
}

/**
 * The Gregorian calendar repeats every 400 years (146,097 days, whole weeks), so a rule run from
 * its start moved by a multiple of 400 years produces the same days relative to that start.
 * rrule only stops on a produced date or at the year 9999, so a rule that produces nothing would
 * run for thousands of years: the existence check runs it moved close to 9999 instead.
 */
function producesAnything(r: ParsedRecurrence, from: number): boolean {
  const start = new Date(from);
  const targetYear = 9999 - 400 - FIRST_INSTANCE_HORIZON_YEARS;
  const shift = Math.max(0, Math.floor((targetYear - start.getUTCFullYear()) / 400)) * 400;
  const moved = new Date(from);
  moved.setUTCFullYear(start.getUTCFullYear() + shift);
  const { count: _count, until, ...options } = r.rule.origOptions;
  const untilMoved = until ? new Date(until.getTime()) : null;
  if (untilMoved) untilMoved.setUTCFullYear(until!.getUTCFullYear() + shift);
  const excluded = new Set(
    [...r.exdates].map((d) => {
      const m = new Date(d);
      m.setUTCFullYear(m.getUTCFullYear() + shift);
      return m.getTime();
    }),
  );
  // COUNT counts excluded instances too: the first COUNT of them must not all be excluded.
  let seen = 0;
  let found = false;
  new RRule({ ...options, dtstart: moved, until: untilMoved }).all((d) => {
    seen++;
    if (!excluded.has(d.getTime())) found = true;
    return !found && (r.rule.options.count === null || seen < r.rule.options.count);
  });
  return found || r.rdates.some((d) => !r.exdates.has(d));
}

/**
 * rrule walks every period from DTSTART, which for a series begun years ago costs milliseconds per
 * query. Without COUNT the rule's periods repeat exactly, so it may start from a later period
 * boundary (whole INTERVALs of days, weeks, months or years) with the defaults DTSTART gave it
 * written out; with COUNT the walk is bounded by COUNT ≤ 730 and must start at DTSTART.
 */
function ruleFrom(r: ParsedRecurrence, from: number): RRule {
  const o = r.rule.origOptions;
  const dtstart = r.rule.options.dtstart;
  if (o.count || from <= dtstart.getTime()) return r.rule;
  const n = r.rule.options.interval;
  const d = dtstart;
  const noDays = !o.byweekday && !o.bymonthday;
  const at = (y: number, m: number, day: number) => new Date(Date.UTC(y, m, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  let moved: Date;
  const extra: Partial<Options> = {};
  switch (r.rule.options.freq) {
    case RRule.DAILY:
    case RRule.WEEKLY: {
      const step = (r.rule.options.freq === RRule.DAILY ? 1 : 7) * n * DAY_MS;
      const k = Math.floor((from - d.getTime()) / step) - 1;
      if (k <= 0) return r.rule;
      moved = new Date(d.getTime() + k * step);
      break;
    }
    case RRule.MONTHLY: {
      const months = (new Date(from).getUTCFullYear() - d.getUTCFullYear()) * 12 + new Date(from).getUTCMonth() - d.getUTCMonth();
      const k = Math.floor(months / n) - 1;
      if (k <= 0) return r.rule;
      moved = at(d.getUTCFullYear(), d.getUTCMonth() + k * n, 1);
      if (noDays) extra.bymonthday = d.getUTCDate();
      break;
    }
    default: {
      const k = Math.floor((new Date(from).getUTCFullYear() - d.getUTCFullYear()) / n) - 1;
      if (k <= 0) return r.rule;
      moved = at(d.getUTCFullYear() + k * n, 0, 1);
      if (noDays) {
        extra.bymonth = o.bymonth ?? d.getUTCMonth() + 1;
        extra.bymonthday = d.getUTCDate();
      }
    }
  }
  return new RRule({ ...o, ...extra, dtstart: moved, tzid: null });
}

/** Every original start (floating) in [from, to], inclusive: rule ∪ RDATE − EXDATE, in order, at most `limit`. */
function floatingStarts(r: ParsedRecurrence, from: number, to: number, limit: number): number[] {
  const found = new Set<number>();
  const lo = Math.max(from, MIN_WALL);
  ruleFrom(r, lo).between(new Date(lo), new Date(Math.min(to, MAX_WALL)), true, (d) => {
    if (!r.exdates.has(d.getTime())) found.add(d.getTime());
    return found.size < limit;
  });
  for (const d of r.rdates) if (d >= from && d <= to && !r.exdates.has(d)) found.add(d);
  return [...found].sort((a, b) => a - b).slice(0, limit);
}

export interface ExpandedOccurrence {
  originalStart: EventTime;
  start: EventTime;
  end: EventTime;
  instants: Instants;
}

/** The series' duration in floating millis (all-day: whole days of the inclusive range). */
function durationOf(start: EventTime, end: EventTime): number {
  return floatingOf(end) - floatingOf(start);
}

function occurrenceAt(floating: number, series: SeriesTiming): ExpandedOccurrence {
  const allDay = isAllDay(series.start);
  const start = eventTimeOf(floating, allDay);
  const end = eventTimeOf(floating + durationOf(series.start, series.end), allDay);
  // A wall time inside a spring-forward gap is shifted forward, as folding a single event's history does.
  return { originalStart: start, start, end, instants: toInstants(start, end, series.timeZone, { lenient: true }) };
}

/**
 * A stretch of BUCKET_MS of a series' floating timeline, expanded once: each instance's floating
 * start and its UTC instants, packed (24 bytes an instance). A listing asks for the same series in
 * window after window, and walking the rule (rrule from DTSTART when it has COUNT) and placing
 * each wall clock in its zone is most of a listing's cost; both depend only on the series' timing
 * and the stretch, so they are kept per (timing, stretch) in a memo bounded by instances held.
 */
interface Stretch {
  floating: Float64Array;
  startsAt: Float64Array;
  endsAt: Float64Array;
}
const BUCKET_MS = 32 * DAY_MS;
/** About 24 MB of instants at most; a working set beyond it is recomputed, never unbounded. */
const stretches = boundedMemo<Stretch>(1_000_000, (s) => s.floating.length + 16);
/**
 * A rule with COUNT is walked from DTSTART whatever the window (its periods do not repeat
 * exactly), but has at most MAX_COUNT instances: they are listed once per series and cut.
 */
const counted = boundedMemo<number[]>(1_000_000, (a) => a.length + 16);

/**
 * A rule without COUNT is walked WALK_BUCKETS stretches at a time: building the moved rule and
 * rrule's per-year tables cost more than the few instances of one stretch (a cold listing walked
 * the rule once per series and stretch).
 */
const WALK_BUCKETS = 8;
const walked = boundedMemo<number[]>(1_000_000, (a) => a.length + 16);

function startsIn(parsed: ParsedRecurrence, series: SeriesTiming, lo: number, hi: number): number[] {
  if (!parsed.rule.origOptions.count) {
    const span = WALK_BUCKETS * BUCKET_MS;
    const first = Math.floor(lo / span);
    const out: number[] = [];
    for (let w = first; w <= Math.floor(hi / span); w++) {
      const starts = walked(`${parseKey(series)}|${w}`, () => floatingStarts(parsed, w * span, (w + 1) * span - 1, Number.MAX_SAFE_INTEGER));
      for (const f of starts) if (f >= lo && f <= hi) out.push(f);
    }
    return out;
  }
  return counted(parseKey(series), () => floatingStarts(parsed, MIN_WALL, MAX_WALL, Number.MAX_SAFE_INTEGER)).filter((f) => f >= lo && f <= hi);
}

function stretchOf(parsed: ParsedRecurrence, series: SeriesTiming, key: string, bucket: number): Stretch {
  return stretches(`${key}|${bucket}`, () => {
    const lo = bucket * BUCKET_MS;
    const starts = startsIn(parsed, series, lo, lo + BUCKET_MS - 1);
    const out: Stretch = { floating: Float64Array.from(starts), startsAt: new Float64Array(starts.length), endsAt: new Float64Array(starts.length) };
    const allDay = isAllDay(series.start);
    const length = durationOf(series.start, series.end);
    starts.forEach((f, i) => {
      // What occurrenceAt places, without the round trip through strings.
      const placed = wallToInstantMillis(f, f + length, allDay, series.timeZone);
      out.startsAt[i] = placed.startsAt;
      out.endsAt[i] = placed.endsAt;
    });
    return out;
  });
}

/**
 * The instances whose [startsAt, endsAt) overlaps [from, to) (UTC millis), in order, at most
 * `limit`. The floating window is widened by a day either side (no zone is more than 14 hours
 * off UTC) and by the series' duration, then cut to the exact instants.
 */
export function expand(series: SeriesTiming, from: number, to: number, limit = 5000): ExpandedOccurrence[] {
  const allDay = isAllDay(series.start);
  const length = durationOf(series.start, series.end);
  const out: ExpandedOccurrence[] = [];
  placedBetween(series, from, to, limit, (f, start, end) => {
    const startTime = eventTimeOf(f, allDay);
    out.push({ originalStart: startTime, start: startTime, end: eventTimeOf(f + length, allDay), instants: { startsAt: isoInstant(start), endsAt: isoInstant(end) } });
  });
  return out;
}

/**
 * The start instants (UTC millis) of what `expand` returns, nothing else: a listing first finds
 * which instances can make its page from these, then builds only those (it needs a hundred of
 * the thousand or so a month of series holds).
 */
export function expandStarts(series: SeriesTiming, from: number, to: number, limit = 5000): number[] {
  const out: number[] = [];
  placedBetween(series, from, to, limit, (_f, start) => out.push(start));
  return out;
}

/** Calls `found` with each instance of `expand` (floating start, UTC start and end), in expand's order. */
function placedBetween(series: SeriesTiming, from: number, to: number, limit: number, found: (f: number, start: number, end: number) => void): void {
  const parsed = parseRecurrenceLenient(series);
  if (!parsed) return;
  const allDay = isAllDay(series.start);
  const length = durationOf(series.start, series.end);
  const duration = Math.max(0, length) + (allDay ? DAY_MS : 0);
  const lo = Math.max(from - DAY_MS - duration, MIN_WALL);
  const hi = Math.min(to + DAY_MS, MAX_WALL);
  if (hi < lo) return;
  const key = `${parseKey(series)}|${occurrenceKey(series.end)}`;
  let n = 0;
  for (let b = Math.floor(lo / BUCKET_MS); b <= Math.floor(hi / BUCKET_MS) && n < limit; b++) {
    const s = stretchOf(parsed, series, key, b);
    for (let i = 0; i < s.floating.length && n < limit; i++) {
      const [f, start, end] = [s.floating[i], s.startsAt[i], s.endsAt[i]];
      if (f < lo || f > hi) continue;
      const overlaps = end > start ? start < to && end > from : start >= from && start < to;
      if (!overlaps) continue;
      found(f, start, end);
      n++;
    }
  }
}

/**
 * Where the series' last instance ends (UTC millis), null for a rule without COUNT or UNTIL.
 * With UNTIL it is an upper bound (UNTIL plus the duration and a day for zone offsets), which is
 * all a window query needs.
 */
export function lastRuleEnd(series: SeriesTiming): number | null {
  const parsed = parseRecurrenceLenient(series);
  if (!parsed) return null;
  const { count, until } = parsed.rule.origOptions;
  const duration = Math.max(0, durationOf(series.start, series.end)) + DAY_MS;
  const rdateEnd = parsed.rdates.length > 0 ? Math.max(...parsed.rdates) + duration + DAY_MS : -Infinity;
  if (until) return Math.max(until.getTime() + duration + DAY_MS, rdateEnd);
  if (!count) return null;
  const all = parsed.rule.all();
  const last = all.length > 0 ? all[all.length - 1].getTime() : -Infinity;
  return Math.max(last + duration + DAY_MS, rdateEnd);
}

/** Does the series produce an instance at this original start? */
export function produces(series: SeriesTiming, originalStart: EventTime): boolean {
  if (isAllDay(originalStart) !== isAllDay(series.start)) return false;
  const parsed = parseRecurrenceLenient(series);
  if (!parsed) return false;
  const f = floatingOf(originalStart);
  return floatingStarts(parsed, f, f, 1).length === 1;
}

/** The instance at this original start, as the series alone makes it (no override). */
export function instanceOf(series: SeriesTiming, originalStart: EventTime): ExpandedOccurrence {
  return occurrenceAt(floatingOf(originalStart), series);
}

/**
 * Parsing kept per series: a listing expands the same series for every request, and the rule
 * object is immutable. Lenient: a stored rule that no longer parses yields no instances rather
 * than failing a read (the rule was checked when it was recorded).
 */
const parsedCache = new Map<string, ParsedRecurrence | null>();
const parseKey = (series: SeriesTiming): string => `${occurrenceKey(series.start)}|${series.timeZone}|${series.recurrence.join('\n')}`;
function parseRecurrenceLenient(series: SeriesTiming): ParsedRecurrence | null {
  const key = parseKey(series);
  const known = parsedCache.get(key);
  if (known !== undefined) return known;
  let parsed: ParsedRecurrence | null;
  try {
    parsed = parseRecurrence(series.recurrence, series.start, series.timeZone);
  } catch {
    parsed = null;
  }
  if (parsedCache.size >= 5000) parsedCache.clear();
  parsedCache.set(key, parsed);
  return parsed;
}

/** `<eventId>_<YYYYMMDD>` (all-day) or `<eventId>_<YYYYMMDDTHHmmssZ>` (timed: the original start in UTC). */
export function instanceId(eventId: string, originalStart: EventTime, timeZone: string, originalStartsAt?: string): string {
  if (isAllDay(originalStart)) return `${eventId}_${originalStart.date.replaceAll('-', '')}`;
  // The caller may know the original start's instant already (an expansion placed it): no second zone lookup.
  const startsAt = originalStartsAt ?? toInstants(originalStart, originalStart, timeZone, { lenient: true }).startsAt;
  return `${eventId}_${startsAt.slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** Splits an instance id into the series id and the original start's token (`YYYYMMDD` or `YYYYMMDDTHHmmssZ`). */
export function parseInstanceId(id: string): { eventId: string; token: string } | null {
  const m = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/.exec(id);
  return m ? { eventId: m[1], token: m[2] } : null;
}

/** The original start an instance id names, in the series' form; null when it names none. */
export function originalStartFromToken(token: string, series: { start: EventTime; timeZone: string }): EventTime | null {
  try {
    if (isAllDay(series.start)) {
      if (!/^\d{8}$/.test(token)) return null;
      return eventTimeOf(floatingValue(token, null, series.timeZone), true);
    }
    if (!/^\d{8}T\d{6}Z$/.test(token)) return null;
    return eventTimeOf(floatingValue(token, null, series.timeZone), false);
  } catch {
    return null;
  }
}

function utcStamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z';
}

/**
 * "This and following": the lines of the series ended just before `originalStart`, and of a new
 * series starting there. COUNT is shared out (the new series gets what the old one had left);
 * EXDATE and RDATE values go to the side they fall on. Null when nothing would remain before.
 */
export function splitRecurrence(series: SeriesTiming, originalStart: EventTime): { before: string[]; after: string[] } | null {
  const parsed = parseRecurrence(series.recurrence, series.start, series.timeZone);
  const split = floatingOf(originalStart);
  const allDay = isAllDay(series.start);
  if (floatingStarts(parsed, MIN_WALL, split - 1000, 1).length === 0) return null;
  const before: string[] = [];
  const after: string[] = [];
  for (const line of series.recurrence) {
    const { name, value } = contentLine(line);
    const head = line.slice(0, line.indexOf(':') + 1);
    if (name === 'RRULE') {
      const parts = value.split(';').filter((p) => !/^(COUNT|UNTIL)=/i.test(p));
      const count = parsed.rule.origOptions.count;
      // Rule instances (EXDATEd ones too: COUNT counts them) before the split.
      const used = count ? parsed.rule.between(new Date(floatingOf(series.start)), new Date(split - 1000), true).length : 0;
      const until = allDay ? eventTimeOf(split - DAY_MS, true) : null;
      const untilValue = until && isAllDay(until) ? until.date.replaceAll('-', '') : utcStamp(Date.parse(toInstants(originalStart, originalStart, series.timeZone, { lenient: true }).startsAt) - 1000);
      before.push(`RRULE:${[...parts, `UNTIL=${untilValue}`].join(';')}`);
      const originalUntil = /(^|;)UNTIL=([^;]+)/i.exec(value)?.[2];
      after.push(`RRULE:${[...parts, ...(count ? [`COUNT=${count - used}`] : []), ...(originalUntil ? [`UNTIL=${originalUntil}`] : [])].join(';')}`);
      continue;
    }
    const params = contentLine(line).params;
    const values = value.split(',');
    const side = (v: string) => floatingValue(v, params.get('TZID') ?? null, series.timeZone) < split;
    const early = values.filter(side);
    const late = values.filter((v) => !side(v));
    if (early.length > 0) before.push(head + early.join(','));
    if (late.length > 0) after.push(head + late.join(','));
  }
  return { before, after };
}
