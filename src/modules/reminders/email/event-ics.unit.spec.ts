import generate, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventData, ICalEventStatus } from 'ical-generator';
import ical, { VEvent } from 'node-ical';
import { WITH_VTIMEZONES, recurrenceIdOf, seriesVevents, vevent as feedVevent } from '../../calendar/get-calendar-feed/ics';
import { type CalendarRow, occurrenceRow } from '../../calendar/read-model/calendar-row';
import type { EventTime } from '../../scheduling/domain/time';
import { describeLead, describeWhen, usableLocale } from './describe-time';
import { IcsParty, eventIcs, eventIcsFor } from './event-ics';

const row = (over: Partial<CalendarRow> = {}): CalendarRow => ({
  id: '6f1c2a4e-0b7d-4c1e-9a53-2d8f4b1e7c90',
  status: 'scheduled',
  title: 'ICEGOV 2013',
  description: '',
  programme: 'communication-information',
  city: 'Seoul',
  country: 'KR',
  venue: 'COEX',
  time_zone: 'Asia/Seoul',
  start_value: { date: '2013-10-22' },
  end_value: { date: '2013-10-25' },
  starts_at: new Date('2013-10-21T15:00:00Z'),
  ends_at: new Date('2013-10-25T15:00:00Z'),
  cancel_reason: null,
  version: 3,
  last_position: '10',
  change_seq: '1',
  updated_at: new Date('2013-09-01T00:00:00Z'),
  ...over,
});
const parties = { baseUrl: 'https://almanac.test', organizer: { email: 'almanac@almanac.test', name: 'almanac' }, attendee: { email: 'ada@example.org', name: 'Ada' } };
const vevent = (s: string): VEvent => Object.values(ical.sync.parseICS(s)).find((c): c is VEvent => c?.type === 'VEVENT')!;

describe('eventIcs', () => {
  it('REQUEST: same UID as the feed, SEQUENCE = version − 1, organizer and attendee, all-day with exclusive DTEND', () => {
    const { method, content } = eventIcs(row(), parties);
    expect(method).toBe('REQUEST');
    expect(content).toContain('METHOD:REQUEST');
    expect(content).toContain('DTSTART;VALUE=DATE:20131022');
    expect(content).toContain('DTEND;VALUE=DATE:20131026');
    const e = vevent(content);
    expect(e.uid).toBe('6f1c2a4e-0b7d-4c1e-9a53-2d8f4b1e7c90@almanac');
    expect(Number(e.sequence)).toBe(2);
    expect(e.status).toBe('CONFIRMED');
    expect(content).toMatch(/ORGANIZER;CN="?almanac"?:mailto:almanac@almanac\.test/);
    const attendee = (e as unknown as { attendee: { val: string; params: Record<string, string> } }).attendee;
    expect(attendee.val.toLowerCase()).toBe('mailto:ada@example.org');
    expect(attendee.params.CN).toBe('Ada');
  });

  it('CANCEL once cancelled, with STATUS:CANCELLED', () => {
    const { method, content } = eventIcs(row({ status: 'cancelled', version: 4 }), parties);
    expect(method).toBe('CANCEL');
    expect(content).toContain('METHOD:CANCEL');
    const e = vevent(content);
    expect(e.status).toBe('CANCELLED');
    expect(Number(e.sequence)).toBe(3);
  });

  it('timed events keep their wall clock with the IANA zone', () => {
    const { content } = eventIcs(row({ start_value: { dateTime: '2013-10-22T10:00' }, end_value: { dateTime: '2013-10-22T12:00' } }), parties);
    expect(content).toContain('DTSTART;TZID=Asia/Seoul:20131022T100000');
    // RFC 5545 §3.2.19: the zone's definition travels with it, once.
    expect(content.match(/BEGIN:VTIMEZONE\r\nTZID:Asia\/Seoul\r\n/g)).toHaveLength(1);
    expect(content).toContain('TZOFFSETTO:+0900');
  });

  it('an alias zone gets a VTIMEZONE under the very TZID the event uses', () => {
    const { content } = eventIcs(row({ time_zone: 'Asia/Calcutta', start_value: { dateTime: '2013-10-22T10:00' }, end_value: { dateTime: '2013-10-22T12:00' } }), parties);
    expect(content).toContain('DTSTART;TZID=Asia/Calcutta:20131022T100000');
    expect(content).toContain('BEGIN:VTIMEZONE\r\nTZID:Asia/Calcutta\r\n');
    expect(content).toContain('TZOFFSETTO:+0530');
  });

  it('all-day events need no VTIMEZONE', () => {
    expect(eventIcs(row(), parties).content).not.toContain('VTIMEZONE');
  });

  describe('a recurring series', () => {
    const series = (over: Partial<CalendarRow> = {}) =>
      row({
        start_value: { dateTime: '2026-10-06T09:00' },
        end_value: { dateTime: '2026-10-06T10:00' },
        time_zone: 'Europe/Berlin',
        starts_at: new Date('2026-10-06T07:00:00Z'),
        ends_at: new Date('2026-10-06T08:00:00Z'),
        recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8'],
        overrides: {},
        ...over,
      });

    it('about the series: one VEVENT with its RRULE, and no RECURRENCE-ID', () => {
      const { method, content } = eventIcs(series(), parties);
      expect(method).toBe('REQUEST');
      expect(content).toContain('RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8');
      expect(content).not.toContain('RECURRENCE-ID');
      expect(vevent(content).rrule).toBeDefined();
    });

    it('about one cancelled instance: that instance alone, with its RECURRENCE-ID, METHOD:CANCEL and STATUS:CANCELLED, no RRULE', () => {
      const s = series({ overrides: { '2026-10-27T09:00:00': { cancelled: { reason: 'holiday' } } }, version: 2 });
      const instance = occurrenceRow(s, '2026-10-27T09:00:00')!;
      const { method, content } = eventIcs(instance, { ...parties, instanceOf: { dateTime: '2026-10-27T09:00:00' } });
      expect(method).toBe('CANCEL');
      expect(content).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20261027T090000');
      expect(content).toContain('DTSTART;TZID=Europe/Berlin:20261027T090000');
      // (The VTIMEZONE has RRULEs of its own; the VEVENT has none.)
      expect(content).not.toContain('RRULE:FREQ=WEEKLY');
      const e = vevent(content);
      expect(e.rrule).toBeUndefined();
      expect(e.status).toBe('CANCELLED');
      expect(e.uid).toBe(`${s.id}@almanac`);
      expect(Number(e.sequence)).toBe(1);
    });

    it('about a moved instance: its new times, named by its original start', () => {
      const s = series({ overrides: { '2026-10-20T09:00:00': { start: { dateTime: '2026-10-21T11:00' }, end: { dateTime: '2026-10-21T12:00' } } } });
      const { method, content } = eventIcs(occurrenceRow(s, '2026-10-20T09:00:00')!, { ...parties, instanceOf: { dateTime: '2026-10-20T09:00:00' } });
      expect(method).toBe('REQUEST');
      expect(content).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20261020T090000');
      expect(content).toContain('DTSTART;TZID=Europe/Berlin:20261021T110000');
    });

    it('no instance where the rule makes none', () => {
      expect(occurrenceRow(series(), '2026-10-07T09:00:00')).toBeNull();
    });
  });
});

/** The calendar built whole for one attendee with ical-generator, as eventIcs did before it built the per-event part once. */
function builtWhole(row: CalendarRow, o: { baseUrl: string; organizer: IcsParty; attendee: IcsParty; instanceOf?: EventTime }): string {
  const cancelled = row.status === 'cancelled';
  const cal = generate({ method: cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST, timezone: WITH_VTIMEZONES, prodId: { company: 'almanac', product: 'reminders', language: 'EN' } });
  let events: ICalEventData[];
  if (o.instanceOf) events = [{ ...feedVevent(row, o.baseUrl), recurrenceId: recurrenceIdOf(o.instanceOf) }];
  else if (row.recurrence && !cancelled) events = seriesVevents(row, o.baseUrl);
  else if (row.recurrence) events = [{ ...feedVevent(row, o.baseUrl), repeating: row.recurrence.join('\n') }];
  else events = [feedVevent(row, o.baseUrl)];
  for (const e of events) {
    cal.createEvent({
      ...e,
      status: e.status ?? (cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED),
      organizer: { email: o.organizer.email, name: o.organizer.name ?? 'almanac' },
      attendees: [{ email: o.attendee.email, name: o.attendee.name, role: ICalAttendeeRole.REQ, status: ICalAttendeeStatus.NEEDSACTION, rsvp: false }],
    });
  }
  return cal.toString();
}

describe('eventIcsFor (one event, many recipients)', () => {
  const timed = {
    start_value: { dateTime: '2026-10-06T09:00' },
    end_value: { dateTime: '2026-10-06T10:00' },
    time_zone: 'Europe/Berlin',
    starts_at: new Date('2026-10-06T07:00:00Z'),
    ends_at: new Date('2026-10-06T08:00:00Z'),
  };
  const series = row({
    ...timed,
    recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8'],
    overrides: { '2026-10-20T09:00:00': { start: { dateTime: '2026-10-21T11:00' }, end: { dateTime: '2026-10-21T12:00' } }, '2026-10-27T09:00:00': { cancelled: { reason: 'holiday' } } },
    version: 3,
  });
  const rows: [string, CalendarRow, EventTime | undefined][] = [
    ['all-day', row(), undefined],
    [
      'timed, long title and description (folded lines), cancelled',
      row({ ...timed, status: 'cancelled', title: 'Forum „Gedächtnis der Welt“ — '.repeat(4), description: 'Zeile; mit, Zeichen\\ und\nUmbruch. '.repeat(12) }),
      undefined,
    ],
    ['a series with a moved and a cancelled instance (three VEVENTs)', series, undefined],
    ['a cancelled series', { ...series, status: 'cancelled' }, undefined],
    ['one moved instance', occurrenceRow(series, '2026-10-20T09:00:00')!, { dateTime: '2026-10-20T09:00:00' }],
  ];
  const attendees: IcsParty[] = [
    { email: 'ada@example.org', name: 'Ada' },
    { email: 'no-name@example.org', name: null },
    { email: `${'a'.repeat(160)}@example.org`, name: 'Plain ASCII, folded twice' },
    // Long enough to fold, with characters ical-generator escapes and multi-byte ones at the fold.
    { email: `${'very.long.address'.repeat(4)}@example.org`, name: 'Zoë "the \\ one"; Ünal, 李小龍 😀'.repeat(3) },
  ];

  it.each(rows)('%s: every recipient gets byte for byte the calendar ical-generator builds whole for them', (_, r, instanceOf) => {
    const o = { baseUrl: 'https://almanac.test', organizer: { email: 'almanac@almanac.test', name: 'almanac' }, instanceOf };
    const forRecipient = eventIcsFor(r, o);
    for (const attendee of attendees) expect(forRecipient(attendee).content).toBe(builtWhole(r, { ...o, attendee }));
  });
});

describe('describeWhen', () => {
  it('states the time in the venue zone, in the subscriber locale', () => {
    const timed = row({
      start_value: { dateTime: '2013-10-22T10:00' },
      end_value: { dateTime: '2013-10-22T12:30' },
      starts_at: new Date('2013-10-22T01:00:00Z'),
      ends_at: new Date('2013-10-22T03:30:00Z'),
    });
    expect(describeWhen(timed, 'en')).toMatch(/October 22, 2013.*10:00.*12:30.*\(Asia\/Seoul\)$/);
    expect(describeWhen(timed, 'fr')).toMatch(/22 octobre 2013.*10:00.*12:30/);
  });
  it('all-day: first and last day, inclusive', () => {
    expect(describeWhen(row(), 'en')).toBe('Tuesday, October 22, 2013 – Friday, October 25, 2013 (Asia/Seoul)');
  });
  it('falls back to English on a locale Intl does not know', () => {
    expect(usableLocale('not a locale')).toBe('en');
    expect(describeLead('PT5M', 'en')).toBe('5 minutes');
  });
});
