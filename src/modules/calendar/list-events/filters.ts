import { DateTime } from 'luxon';
import { FieldError, validationProblem } from '../../../common/http/problem';
import { boundedMemo } from '../../../common/memo';
import type { CalendarFilters } from '../read-model/calendar.read-model';
import type { CalendarFiltersDto } from './calendar-query.dto';

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * DTO → normalised filters. Bare dates are whole UTC days (DESIGN §5): `from` is that day's
 * 00:00 UTC, `to` the end of that day, i.e. the next day's 00:00 as an exclusive bound.
 * Normalised values are also what a cursor's fingerprint is taken over.
 */
export function toFilters(dto: CalendarFiltersDto): CalendarFilters {
  const errors: FieldError[] = [];
  const from = bound('from', dto.from, false, errors);
  const to = bound('to', dto.to, true, errors);
  if (from && to && from.millis >= to.millis) errors.push({ field: 'to', message: 'to must be after from' });
  if (errors.length) throw validationProblem(errors);
  return {
    from: from?.iso ?? null,
    to: to?.iso ?? null,
    country: dto.country ?? null,
    // Lower-cased: the match is case-insensitive, so a cursor must not care about case either.
    city: dto.city?.trim().toLowerCase() || null,
    programme: dto.programme ?? null,
    status: dto.status ?? 'scheduled',
    q: dto.q?.trim() || null,
  };
}

interface Bound {
  iso: string;
  millis: number;
}

/** Parsed bounds by (value, end or start): calendar clients ask for the same months over and over. */
const bounds = boundedMemo<Bound | null>(1000);

function bound(field: string, value: string | undefined, isEnd: boolean, errors: FieldError[]): Bound | null {
  if (value === undefined) return null;
  const b = bounds(`${isEnd ? 'to' : 'from'}|${value}`, () => parse(value, isEnd));
  if (b === null) errors.push({ field, message: `${field} is not a valid date or instant` });
  return b;
}

function parse(value: string, isEnd: boolean): Bound | null {
  const bare = BARE_DATE.test(value);
  // luxon rejects impossible dates (2013-02-30) that Date.parse would roll over.
  const d = DateTime.fromISO(value, { zone: 'utc', setZone: !bare });
  if (!d.isValid) return null;
  const utc = (bare && isEnd ? d.plus({ days: 1 }) : d).toUTC();
  return { iso: utc.toISO()!, millis: utc.toMillis() };
}
