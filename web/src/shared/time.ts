import { isAllDay, type CalendarEvent } from './api';

export const visitorZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The event's span in a zone, per locale: dates for all-day events (the same in every zone), date-times otherwise. */
export function formatSpan(ev: CalendarEvent, zone: string, locale: string): string {
  if (isAllDay(ev.start) && isAllDay(ev.end)) {
    const fmt = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    const a = new Date(`${ev.start.date}T00:00:00Z`);
    const b = new Date(`${ev.end.date}T00:00:00Z`);
    return ev.start.date === ev.end.date ? fmt.format(a) : fmt.formatRange(a, b);
  }
  const fmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone });
  return fmt.formatRange(new Date(ev.startsAt), new Date(ev.endsAt));
}

export function countryName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}
