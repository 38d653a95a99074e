import { DateTime, Duration } from 'luxon';
import type { CalendarRow } from '../../calendar/read-model/calendar-row';
import { isAllDay } from '../../scheduling/domain/time';
import { boundedMemo } from '../../../common/memo';

// Pure in their keys, and a fan-out asks the same questions for every recipient.
const locales = boundedMemo<string>(1000);
const whens = boundedMemo<string>(1000);
const leads = boundedMemo<string>(1000);

/** A BCP 47 tag Intl knows, or English: a subscriber's odd locale must not break their email. */
export function usableLocale(locale: string | null | undefined): string {
  return locales(locale ?? '', () => checkLocale(locale));
}

function checkLocale(locale: string | null | undefined): string {
  try {
    return locale && Intl.DateTimeFormat.supportedLocalesOf([locale]).length ? locale : 'en';
  } catch {
    return 'en';
  }
}

/**
 * When the event happens, in the venue's zone (named), formatted for the subscriber's locale.
 * All-day events show their days (the last one inclusive, as people write them).
 */
export function describeWhen(row: CalendarRow, locale: string): string {
  const key = `${locale}|${row.time_zone}|${JSON.stringify(row.start_value)}|${JSON.stringify(row.end_value)}|${row.starts_at.getTime()}|${row.ends_at.getTime()}`;
  return whens(key, () => formatWhen(row, locale));
}

function formatWhen(row: CalendarRow, locale: string): string {
  const zone = row.time_zone;
  const loc = usableLocale(locale);
  const { start_value: start, end_value: end } = row;
  if (isAllDay(start) && isAllDay(end)) {
    const day = (d: string): string => DateTime.fromISO(d, { zone: 'utc' }).setLocale(loc).toLocaleString(DateTime.DATE_HUGE);
    const range = start.date === end.date ? day(start.date) : `${day(start.date)} – ${day(end.date)}`;
    return `${range} (${zone})`;
  }
  const at = (d: Date): DateTime => DateTime.fromJSDate(d, { zone }).setLocale(loc);
  const s = at(row.starts_at);
  const e = at(row.ends_at);
  const endText = s.hasSame(e, 'day') ? e.toLocaleString(DateTime.TIME_SIMPLE) : e.toLocaleString(DateTime.DATETIME_MED);
  return `${s.toLocaleString(DateTime.DATETIME_HUGE)} – ${endText} (${zone})`;
}

/** "1 day", "5 minutes": the lead time a subscriber chose, in their language. */
export function describeLead(leadTime: string, locale: string): string {
  return leads(`${leadTime}|${locale}`, () => formatLead(leadTime, locale));
}

function formatLead(leadTime: string, locale: string): string {
  const d = Duration.fromISO(leadTime);
  if (!d.isValid) return leadTime;
  return d
    .reconfigure({ locale: usableLocale(locale) })
    .removeZeros()
    .toHuman({ unitDisplay: 'long' });
}
