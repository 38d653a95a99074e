import { DateTime } from 'luxon';
import { usableLocale } from '../../../common/i18n/format';
import type { CalendarRow } from '../../calendar/read-model/calendar-row';
import { isAllDay } from '../../scheduling/domain/time';
import { boundedMemo } from '../../../common/memo';

// Pure in its key, and a fan-out asks the same question for every recipient.
const whens = boundedMemo<string>(1000);

// Shared with the confirmation email; re-exported where reminders have always found them.
export { describeLead, usableLocale } from '../../../common/i18n/format';

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
