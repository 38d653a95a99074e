import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { CalendarRow } from '../../calendar/read-model/calendar-row';
import { WITH_VTIMEZONES, vevent } from '../../calendar/get-calendar-feed/ics';

export interface IcsParty {
  email: string;
  name: string | null;
}

/**
 * The iCalendar part of a reminder or notice (RFC 5546 iTIP): REQUEST while the event stands,
 * CANCEL once cancelled. Same UID as the public feed for the event's whole life and SEQUENCE =
 * version − 1, so a client updates (or removes) the entry it already has instead of adding one.
 */
export function eventIcs(row: CalendarRow, o: { baseUrl: string; organizer: IcsParty; attendee: IcsParty }): { method: 'REQUEST' | 'CANCEL'; content: string } {
  const cancelled = row.status === 'cancelled';
  const method = cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST;
  const cal = ical({ method, timezone: WITH_VTIMEZONES, prodId: { company: 'almanac', product: 'reminders', language: 'EN' } });
  cal.createEvent({
    ...vevent(row, o.baseUrl),
    status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
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
  return { method: cancelled ? 'CANCEL' : 'REQUEST', content: cal.toString() };
}
