import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventData, ICalEventStatus } from 'ical-generator';
import type { CalendarRow } from '../../calendar/read-model/calendar-row';
import { WITH_VTIMEZONES, recurrenceIdOf, seriesVevents, vevent } from '../../calendar/get-calendar-feed/ics';
import type { EventTime } from '../../scheduling/domain/time';

export interface IcsParty {
  email: string;
  name: string | null;
}

/**
 * The iCalendar part of a reminder or notice (RFC 5546 iTIP): REQUEST while the event stands,
 * CANCEL once cancelled. Same UID as the public feed for the event's whole life and SEQUENCE =
 * version − 1, so a client updates (or removes) the entry it already has instead of adding one.
 * About one instance of a series (`instanceOf`: the instance's row and original start): that
 * instance alone, with its RECURRENCE-ID, so a client changes (or removes) that date only. About
 * a series: the series with its RRULE (and its changed instances while it stands).
 */
export function eventIcs(row: CalendarRow, o: { baseUrl: string; organizer: IcsParty; attendee: IcsParty; instanceOf?: EventTime }): { method: 'REQUEST' | 'CANCEL'; content: string } {
  const cancelled = row.status === 'cancelled';
  const method = cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST;
  const cal = ical({ method, timezone: WITH_VTIMEZONES, prodId: { company: 'almanac', product: 'reminders', language: 'EN' } });
  let events: ICalEventData[];
  if (o.instanceOf) events = [{ ...vevent(row, o.baseUrl), recurrenceId: recurrenceIdOf(o.instanceOf) }];
  else if (row.recurrence && !cancelled) events = seriesVevents(row, o.baseUrl);
  else if (row.recurrence) events = [{ ...vevent(row, o.baseUrl), repeating: row.recurrence.join('\n') }];
  else events = [vevent(row, o.baseUrl)];
  for (const e of events) {
    cal.createEvent({
      ...e,
      status: e.status ?? (cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED),
      organizer: { email: o.organizer.email, name: o.organizer.name ?? 'almanac' },
      attendees: [
        {
          email: o.attendee.email,
          name: o.attendee.name,
          role: ICalAttendeeRole.REQ,
          status: ICalAttendeeStatus.NEEDSACTION,
          rsvp: false,
        },
      ],
    });
  }
  return { method: cancelled ? 'CANCEL' : 'REQUEST', content: cal.toString() };
}
