import { DateTime } from 'luxon';
import { boundedMemo } from '../memo';
import { FieldError, validationProblem } from './problem';

/** A bound of a query's time range, normalised to UTC. */
export interface Bound {
  iso: string;
  millis: number;
}

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parsed bounds by (value, start or end): clients ask for the same months over and over. */
const bounds = boundedMemo<Bound | null>(1000);

/**
 * An ISO instant (its offset kept), or a bare date meaning a whole UTC day: as a start, that
 * day's 00:00 UTC; as an end, the next day's 00:00 (exclusive), so `from=D&to=D` is the day D.
 * Null when it is neither (luxon refuses impossible dates such as 2013-02-30 that Date.parse
 * would roll over).
 */
export function parseBound(value: string, isEnd: boolean): Bound | null {
  return bounds(`${isEnd ? 'to' : 'from'}|${value}`, () => {
    const bare = BARE_DATE.test(value);
    const d = DateTime.fromISO(value, { zone: 'utc', setZone: !bare });
    if (!d.isValid) return null;
    const utc = (bare && isEnd ? d.plus({ days: 1 }) : d).toUTC();
    return { iso: utc.toISO()!, millis: utc.toMillis() };
  });
}

/** One instant parameter (a bare date is its 00:00 UTC); a 400 naming `field` otherwise. */
export function instantParam(field: string, value: string): Bound {
  const b = parseBound(value, false);
  if (!b) throw validationProblem([invalid(field)]);
  return b;
}

/** A query's `from` and `to`, each optional, checked together: a 400 lists every fault. */
export function queryRange(from: string | undefined, to: string | undefined): { from: Bound | null; to: Bound | null } {
  const errors: FieldError[] = [];
  const start = from === undefined ? null : parseBound(from, false);
  const end = to === undefined ? null : parseBound(to, true);
  if (from !== undefined && !start) errors.push(invalid('from'));
  if (to !== undefined && !end) errors.push(invalid('to'));
  if (start && end && start.millis >= end.millis) errors.push({ field: 'to', message: 'to must be after from' });
  if (errors.length) throw validationProblem(errors);
  return { from: start, to: end };
}

const invalid = (field: string): FieldError => ({ field, message: `${field} is not a valid date or instant` });
