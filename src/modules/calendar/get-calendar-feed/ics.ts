import ical, { ICalCalendarMethod, ICalEventData, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { boundedMemo } from '../../../common/memo';
import { occurrenceOf } from '../../scheduling/domain/calendar-event';
import { occurrenceTimeFromKey } from '../../scheduling/domain/recurrence';
import { type EventTime, isAllDay } from '../../scheduling/domain/time';
import { type CalendarRow, occurrenceRow, stateOf } from '../read-model/calendar-row';

/** Clients re-fetch the feed this often (REFRESH-INTERVAL and X-PUBLISHED-TTL). */
export const FEED_TTL_SECONDS = 3600;

/**
 * The UID of an event for its whole life, in this feed and in the reminder emails alike, so a
 * calendar client updates the entry it already has instead of adding a second one.
 */
export const eventUid = (id: string): string => `${id}@almanac`;

/**
 * RFC 5545 §3.2.19: every TZID an object uses needs its VTIMEZONE in that object (Outlook, for
 * one, will not place an event without it). The rules come from timezones-ical-library (IANA
 * data, kept current); it answers an alias (Asia/Calcutta) with its canonical zone's block, so
 * the block is renamed to the TZID the events carry.
 */
export function vtimezone(zone: string): string | null {
  return vtimezones(zone, () => {
    const [block] = tzlib_get_ical_block(zone);
    return block ? block.replace(/^TZID:.*$/m, `TZID:${zone}`).replace(/^X-LIC-LOCATION:.*$/m, `X-LIC-LOCATION:${zone}`) : null;
  });
}

/** Zones are validated IANA names: a few hundred at most. */
const vtimezones = boundedMemo<string | null>(1000);

/** The calendar-level option that makes ical-generator add one VTIMEZONE per zone its events use. */
export const WITH_VTIMEZONES = { name: null, generator: vtimezone };

export interface FeedOptions {
  name: string;
  baseUrl: string;
}

/**
 * A published (METHOD:PUBLISH) iCalendar of the rows. DTSTAMP is the row's last change, not
 * the time of the request, so two fetches of an unchanged calendar are byte-identical (ETag).
 */
export function renderFeed(rows: CalendarRow[], o: FeedOptions): string {
  const cal = ical({ name: o.name, method: ICalCalendarMethod.PUBLISH, ttl: FEED_TTL_SECONDS, timezone: WITH_VTIMEZONES, prodId: { company: 'almanac', product: 'calendar', language: 'EN' } });
  for (const r of rows) {
    if (!r.recurrence) {
      cal.createEvent(vevent(r, o.baseUrl));
      continue;
    }
    for (const e of seriesVevents(r, o.baseUrl)) cal.createEvent(e);
  }
  return cal.toString();
}

/** An original start as an RFC 5545 value of the series' form (the zone is the series' TZID). */
const icalValue = (t: EventTime): string => (isAllDay(t) ? t.date : withSeconds(t.dateTime)).replace(/[-:]/g, '');

/** RECURRENCE-ID of an instance: its original start, in the series' form and zone. */
export const recurrenceIdOf = (originalStart: EventTime): string => (isAllDay(originalStart) ? originalStart.date : withSeconds(originalStart.dateTime));

/**
 * A series: one VEVENT with its RRULE/EXDATE/RDATE lines (a cancelled instance as one more
 * EXDATE), and each changed instance as a VEVENT with the same UID and its RECURRENCE-ID.
 */
export function seriesVevents(r: CalendarRow, baseUrl: string): ICalEventData[] {
  const state = stateOf(r);
  const lines = [...(r.recurrence ?? [])];
  const changed: ICalEventData[] = [];
  for (const key of Object.keys(state.overrides)) {
    const originalStart = occurrenceTimeFromKey(key);
    const o = occurrenceOf(state, originalStart);
    if (!o) continue;
    if (o.status === 'cancelled' && r.status !== 'cancelled') {
      const zone = isAllDay(originalStart) ? ';VALUE=DATE' : `;TZID=${r.time_zone}`;
      lines.push(`EXDATE${zone}:${icalValue(originalStart)}`);
      continue;
    }
    const instance = occurrenceRow(r, key)!;
    changed.push({ ...vevent(instance, baseUrl), recurrenceId: recurrenceIdOf(originalStart) });
  }
  return [{ ...vevent(r, baseUrl), repeating: lines.join('\n') }, ...changed];
}

export function vevent(r: CalendarRow, baseUrl: string): ICalEventData {
  return {
    id: eventUid(r.id),
    // SEQUENCE starts at 0 with the first version and rises with every change (RFC 5545 §3.8.7.4).
    sequence: r.version - 1,
    stamp: r.updated_at,
    lastModified: r.updated_at,
    summary: r.title,
    description: r.description || null,
    location: [r.venue, r.city, r.country.trim()].filter((p) => p).join(', '),
    url: `${baseUrl}/v1/events/${r.id}`,
    status: r.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    ...times(r),
  };
}

function times(r: CalendarRow): Pick<ICalEventData, 'start' | 'end' | 'allDay' | 'timezone'> {
  const { start_value: start, end_value: end } = r;
  if (isAllDay(start) && isAllDay(end)) {
    // The domain's end date is the last day, inclusive; iCalendar's DTEND is exclusive.
    return { allDay: true, start: start.date, end: DateTime.fromISO(end.date, { zone: 'utc' }).plus({ days: 1 }).toISODate()! };
  }
  if (isAllDay(start) || isAllDay(end) || r.time_zone === 'UTC' || r.time_zone === 'Etc/UTC') return { start: r.starts_at, end: r.ends_at };
  // Wall-clock times with TZID=<IANA zone>: the entry stays at 09:00 local even if the zone's rules change.
  return { start: withSeconds(start.dateTime), end: withSeconds(end.dateTime), timezone: r.time_zone };
}

const withSeconds = (t: string): string => (t.length === 16 ? `${t}:00` : t);
