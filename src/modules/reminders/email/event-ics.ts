import ical, { ICalAttendee, ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEvent, ICalEventData, ICalEventStatus, foldLines } from 'ical-generator';
import type { CalendarRow } from '../../calendar/read-model/calendar-row';
import { WITH_VTIMEZONES, recurrenceIdOf, seriesVevents, vevent } from '../../calendar/get-calendar-feed/ics';
import type { EventTime } from '../../scheduling/domain/time';

export interface IcsParty {
  email: string;
  name: string | null;
}

export interface EventIcs {
  method: 'REQUEST' | 'CANCEL';
  content: string;
}

/**
 * The iCalendar part of a reminder or notice (RFC 5546 iTIP): REQUEST while the event stands,
 * CANCEL once cancelled. Same UID as the public feed for the event's whole life and SEQUENCE =
 * version − 1, so a client updates (or removes) the entry it already has instead of adding one.
 * About one instance of a series (`instanceOf`: the instance's row and original start): that
 * instance alone, with its RECURRENCE-ID, so a client changes (or removes) that date only. About
 * a series: the series with its RRULE (and its changed instances while it stands).
 */
export function eventIcs(row: CalendarRow, o: { baseUrl: string; organizer: IcsParty; attendee: IcsParty; instanceOf?: EventTime }): EventIcs {
  return eventIcsFor(row, o)(o.attendee);
}

/**
 * `eventIcs` for many recipients of one event: the calendar is built and folded once, and each
 * recipient adds only their ATTENDEE line. ical-generator writes an event's attendees right after
 * its ORGANIZER line (these events have no alarms) and folds every content line on its own
 * (RFC 5545 §3.1), so the calendar cut after each ORGANIZER line and joined with the attendee's
 * folded line is, byte for byte, the calendar built with that attendee (event-ics.unit.spec.ts
 * holds both side by side). Folding is most of the cost: it looks at the calendar char by char.
 */
export function eventIcsFor(row: CalendarRow, o: { baseUrl: string; organizer: IcsParty; instanceOf?: EventTime }): (attendee: IcsParty) => EventIcs {
  const cancelled = row.status === 'cancelled';
  const method = cancelled ? 'CANCEL' : 'REQUEST';
  const cal = ical({ method: cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST, timezone: WITH_VTIMEZONES, prodId: { company: 'almanac', product: 'reminders', language: 'EN' } });
  let events: ICalEventData[];
  if (o.instanceOf) events = [{ ...vevent(row, o.baseUrl), recurrenceId: recurrenceIdOf(o.instanceOf) }];
  else if (row.recurrence && !cancelled) events = seriesVevents(row, o.baseUrl);
  else if (row.recurrence) events = [{ ...vevent(row, o.baseUrl), repeating: row.recurrence.join('\n') }];
  else events = [vevent(row, o.baseUrl)];
  let parent: ICalEvent | undefined;
  for (const e of events) {
    parent = cal.createEvent({
      ...e,
      status: e.status ?? (cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED),
      organizer: { email: o.organizer.email, name: o.organizer.name ?? 'almanac' },
    });
  }
  const parts = cutAfterOrganizers(cal.toString(), events.length);
  return (attendee) => {
    const line = new ICalAttendee({ email: attendee.email, name: attendee.name, role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.NEEDSACTION, rsvp: false }, parent as ICalEvent).toString();
    return { method, content: parts.join(foldLine(line)) };
  };
}

/**
 * ical-generator's foldLines for one CRLF-ended line, without its cost on printable ASCII (an
 * address and a plain name, most attendee lines): it encodes every character on its own to count
 * octets, and there each character is one octet, so the line is cut every 74.
 */
function foldLine(line: string): string {
  const body = line.slice(0, -2);
  if (!/^[\x20-\x7e]*$/.test(body)) return foldLines(line);
  const pieces: string[] = [];
  for (let i = 0; i < body.length; i += 74) pieces.push(body.slice(i, i + 74));
  return `${pieces.join('\r\n ')}\r\n`;
}

/** The folded calendar cut just after the (possibly folded) ORGANIZER line of each of its `n` events. */
function cutAfterOrganizers(folded: string, n: number): string[] {
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const at = folded.indexOf('\r\nORGANIZER', from);
    if (at < 0) break;
    // A folded line goes on after CRLF + space; the next content line starts without one.
    let end = folded.indexOf('\r\n', at + 2);
    while (folded.startsWith('\r\n ', end)) end = folded.indexOf('\r\n', end + 2);
    parts.push(folded.slice(from, end + 2));
    from = end + 2;
  }
  parts.push(folded.slice(from));
  if (parts.length !== n + 1) throw new Error(`expected ${n} ORGANIZER lines in the calendar, found ${parts.length - 1}`);
  return parts;
}
