import { fold } from '../../../events/aggregate';
import type { StoredEvent } from '../../../events/envelope';
import { DeciderSpec } from '../../../testing/decider-spec';
import { CalendarEventState, calendarEventDecider, decide, evolve, initialState } from './calendar-event';
import type { ScheduleEvent } from './commands';
import type { CalendarEventEvent, EventCancelled, EventDetailsChanged, EventRescheduled, EventScheduled, Location } from './events';

// given(events).when(command).then(events) | .thenNothing() | .thenThrows({ code, kind, field })
const given = DeciderSpec.for(calendarEventDecider).given;

function stateOf(events: CalendarEventEvent[]): CalendarEventState {
  return events.reduce(evolve, initialState);
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const seoulLocation: Location = { city: 'Seoul', country: 'KR', venue: 'COEX Convention Centre' };

const seoulForum: EventScheduled['data'] = {
  title: 'World Humanities Forum',
  description: 'Three days of lectures on the humanities in an age of change.',
  programme: 'social-sciences',
  location: seoulLocation,
  timeZone: 'Asia/Seoul',
  start: { date: '2013-10-22' },
  end: { date: '2013-10-25' },
};

const scheduled: EventScheduled = { type: 'EventScheduled', data: seoulForum };

const newYorkTalk: EventScheduled = {
  type: 'EventScheduled',
  data: {
    title: 'Press freedom panel',
    description: 'Panel discussion.',
    programme: 'communication-information',
    location: { city: 'New York', country: 'US', venue: null },
    timeZone: 'America/New_York',
    start: { dateTime: '2026-03-05T10:00' },
    end: { dateTime: '2026-03-05T12:00' },
  },
};

const scheduleCommand = (overrides: Partial<ScheduleEvent> = {}): ScheduleEvent => ({ kind: 'schedule', ...seoulForum, ...overrides });

const cancelled = (reason = 'venue unavailable'): EventCancelled => ({ type: 'EventCancelled', data: { reason } });

const rescheduled = (data: Partial<EventRescheduled['data']> = {}): EventRescheduled => ({
  type: 'EventRescheduled',
  data: { start: { date: '2013-11-05' }, end: { date: '2013-11-07' }, timeZone: 'Asia/Seoul', reason: null, ...data },
});

// ---------------------------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------------------------

describe('CalendarEvent: schedule', () => {
  it('schedules an absent event with exactly the contract data', () => {
    given()
      .when(scheduleCommand())
      .then([
        {
          type: 'EventScheduled',
          data: {
            title: 'World Humanities Forum',
            description: 'Three days of lectures on the humanities in an age of change.',
            programme: 'social-sciences',
            location: { city: 'Seoul', country: 'KR', venue: 'COEX Convention Centre' },
            timeZone: 'Asia/Seoul',
            start: { date: '2013-10-22' },
            end: { date: '2013-10-25' },
          },
        },
      ]);
  });

  it('carries no command-only fields (such as kind) into the event data', () => {
    const [event] = decide(initialState, scheduleCommand());
    expect(Object.keys(event.data).sort()).toEqual(['description', 'end', 'location', 'programme', 'start', 'timeZone', 'title']);
  });

  it('schedules a timed event with its wall-clock times and zone as given', () => {
    given()
      .when({ kind: 'schedule', ...newYorkTalk.data })
      .then([newYorkTalk]);
  });

  it('schedules an event without a programme', () => {
    given()
      .when(scheduleCommand({ programme: null }))
      .then([{ type: 'EventScheduled', data: { ...seoulForum, programme: null } }]);
  });

  it('records a location that arrived without a venue with venue null', () => {
    // What a JSON body without "venue" looks like once parsed.
    const parsed = JSON.parse('{"city":"Paris","country":"FR"}') as Location;
    given()
      .when(scheduleCommand({ location: parsed }))
      .then([{ type: 'EventScheduled', data: { ...seoulForum, location: { city: 'Paris', country: 'FR', venue: null } } }]);
  });

  it('accepts a one-day all-day event (start date == end date)', () => {
    given()
      .when(scheduleCommand({ start: { date: '2013-10-22' }, end: { date: '2013-10-22' } }))
      .then([{ type: 'EventScheduled', data: { ...seoulForum, start: { date: '2013-10-22' }, end: { date: '2013-10-22' } } }]);
  });

  it('accepts a zero-length timed event (end == start)', () => {
    const data = { ...newYorkTalk.data, end: { dateTime: '2026-03-05T10:00' } };
    given()
      .when({ kind: 'schedule', ...data })
      .then([{ type: 'EventScheduled', data }]);
  });

  it('refuses to schedule an event that already exists', () => {
    given(scheduled).when(scheduleCommand()).thenThrows({ code: 'EVENT_ALREADY_EXISTS', kind: 'conflict' });
  });

  it('refuses to schedule again even after the event was cancelled', () => {
    given(scheduled, cancelled()).when(scheduleCommand()).thenThrows({ code: 'EVENT_ALREADY_EXISTS', kind: 'conflict' });
  });

  it('reports EVENT_ALREADY_EXISTS before looking at the (invalid) times', () => {
    given(scheduled)
      .when(scheduleCommand({ start: { date: '2013-10-25' }, end: { date: '2013-10-22' } }))
      .thenThrows({ code: 'EVENT_ALREADY_EXISTS' });
  });

  it('refuses an all-day range whose last day is before its first day', () => {
    given()
      .when(scheduleCommand({ start: { date: '2013-10-25' }, end: { date: '2013-10-24' } }))
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'end' });
  });

  it('refuses a timed range whose end is before its start', () => {
    given()
      .when({ kind: 'schedule', ...newYorkTalk.data, start: { dateTime: '2026-03-05T12:00' }, end: { dateTime: '2026-03-05T11:59' } })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'end' });
  });

  it('refuses a range that mixes an all-day start with a timed end', () => {
    given()
      .when(scheduleCommand({ start: { date: '2013-10-22' }, end: { dateTime: '2013-10-25T18:00' } }))
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'end' });
  });

  it('refuses a range that mixes a timed start with an all-day end', () => {
    given()
      .when(scheduleCommand({ start: { dateTime: '2013-10-22T09:00' }, end: { date: '2013-10-25' } }))
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'end' });
  });

  it('refuses a time zone that is not an IANA zone', () => {
    given()
      .when(scheduleCommand({ timeZone: 'Korea/Standard' }))
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'timeZone' });
  });

  it('refuses a start inside a daylight-saving gap (2026-03-08T02:30 America/New_York)', () => {
    given()
      .when({ kind: 'schedule', ...newYorkTalk.data, start: { dateTime: '2026-03-08T02:30' }, end: { dateTime: '2026-03-08T04:00' } })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'start.dateTime' });
  });

  it('refuses an end inside a daylight-saving gap', () => {
    given()
      .when({ kind: 'schedule', ...newYorkTalk.data, start: { dateTime: '2026-03-08T01:00' }, end: { dateTime: '2026-03-08T02:00' } })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'end.dateTime' });
  });

  it('accepts an ambiguous fall-back wall-clock time (2026-11-01T01:30 America/New_York)', () => {
    const data = { ...newYorkTalk.data, start: { dateTime: '2026-11-01T01:30' }, end: { dateTime: '2026-11-01T03:00' } };
    given()
      .when({ kind: 'schedule', ...data })
      .then([{ type: 'EventScheduled', data }]);
  });

  it('refuses a date that is not on the calendar', () => {
    given()
      .when(scheduleCommand({ start: { date: '2013-02-30' }, end: { date: '2013-03-02' } }))
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'start.date' });
  });

  it('refuses a date-time carrying an offset (wall clock only)', () => {
    given()
      .when({ kind: 'schedule', ...newYorkTalk.data, start: { dateTime: '2026-03-05T10:00Z' } })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'start.dateTime' });
  });
});

// ---------------------------------------------------------------------------------------------
// Reschedule
// ---------------------------------------------------------------------------------------------

describe('CalendarEvent: reschedule', () => {
  it('moves the event, keeping the current zone and recording the reason', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-11-05' }, end: { date: '2013-11-07' }, reason: 'venue double-booked' })
      .then([rescheduled({ reason: 'venue double-booked' })]);
  });

  it('records reason null when none is given', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-11-05' }, end: { date: '2013-11-07' } })
      .then([rescheduled()]);
  });

  it('moves to the same start with a different end (only one end changes)', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-10-22' }, end: { date: '2013-10-26' } })
      .then([rescheduled({ start: { date: '2013-10-22' }, end: { date: '2013-10-26' } })]);
  });

  it('produces nothing when the times and zone are unchanged', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-10-22' }, end: { date: '2013-10-25' } })
      .thenNothing();
  });

  it('produces nothing when the same zone is given explicitly and the times are unchanged, even with a reason', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-10-22' }, end: { date: '2013-10-25' }, timeZone: 'Asia/Seoul', reason: 'no-op' })
      .thenNothing();
  });

  it("treats 'T10:00' and 'T10:00:00' as the same time (no event)", () => {
    given(newYorkTalk)
      .when({ kind: 'reschedule', start: { dateTime: '2026-03-05T10:00:00' }, end: { dateTime: '2026-03-05T12:00:00' } })
      .thenNothing();
  });

  it('produces nothing when rescheduled back onto where an earlier reschedule put it', () => {
    given(scheduled, rescheduled())
      .when({ kind: 'reschedule', start: { date: '2013-11-05' }, end: { date: '2013-11-07' } })
      .thenNothing();
  });

  it('moving back to the originally scheduled times is a change', () => {
    given(scheduled, rescheduled())
      .when({ kind: 'reschedule', start: { date: '2013-10-22' }, end: { date: '2013-10-25' } })
      .then([rescheduled({ start: { date: '2013-10-22' }, end: { date: '2013-10-25' } })]);
  });

  it('omitting timeZone keeps the zone set by an earlier reschedule', () => {
    given(newYorkTalk, rescheduled({ start: { dateTime: '2026-03-05T10:00' }, end: { dateTime: '2026-03-05T12:00' }, timeZone: 'Europe/Paris' }))
      .when({ kind: 'reschedule', start: { dateTime: '2026-03-06T10:00' }, end: { dateTime: '2026-03-06T12:00' } })
      .then([rescheduled({ start: { dateTime: '2026-03-06T10:00' }, end: { dateTime: '2026-03-06T12:00' }, timeZone: 'Europe/Paris' })]);
  });

  it('changing only the zone is a change', () => {
    given(newYorkTalk)
      .when({ kind: 'reschedule', start: { dateTime: '2026-03-05T10:00' }, end: { dateTime: '2026-03-05T12:00' }, timeZone: 'America/Chicago' })
      .then([rescheduled({ start: { dateTime: '2026-03-05T10:00' }, end: { dateTime: '2026-03-05T12:00' }, timeZone: 'America/Chicago' })]);
  });

  it('turning an all-day event into a timed one is a change', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { dateTime: '2013-10-22T09:00' }, end: { dateTime: '2013-10-22T18:00' } })
      .then([rescheduled({ start: { dateTime: '2013-10-22T09:00' }, end: { dateTime: '2013-10-22T18:00' } })]);
  });

  it('refuses an all-day range whose last day is before its first day', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-11-07' }, end: { date: '2013-11-05' } })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'end' });
  });

  it('refuses a timed range whose end is before its start', () => {
    given(newYorkTalk)
      .when({ kind: 'reschedule', start: { dateTime: '2026-03-06T10:00' }, end: { dateTime: '2026-03-06T09:00' } })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'end' });
  });

  it('refuses mixed forms', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-11-05' }, end: { dateTime: '2013-11-07T10:00' } })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'end' });
  });

  it('refuses an invalid time zone', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-11-05' }, end: { date: '2013-11-07' }, timeZone: 'Asia/Gotham' })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'timeZone' });
  });

  it('checks the DST gap in the current zone when the zone is omitted', () => {
    given(newYorkTalk)
      .when({ kind: 'reschedule', start: { dateTime: '2026-03-08T02:30' }, end: { dateTime: '2026-03-08T04:00' } })
      .thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'start.dateTime' });
  });

  it('checks the DST gap in the new zone when a zone is given (02:30 exists in Seoul)', () => {
    given(newYorkTalk)
      .when({ kind: 'reschedule', start: { dateTime: '2026-03-08T02:30' }, end: { dateTime: '2026-03-08T04:00' }, timeZone: 'Asia/Seoul' })
      .then([rescheduled({ start: { dateTime: '2026-03-08T02:30' }, end: { dateTime: '2026-03-08T04:00' }, timeZone: 'Asia/Seoul' })]);
  });

  it('refuses to reschedule a cancelled event', () => {
    given(scheduled, cancelled())
      .when({ kind: 'reschedule', start: { date: '2013-11-05' }, end: { date: '2013-11-07' } })
      .thenThrows({ code: 'EVENT_CANCELLED', kind: 'conflict' });
  });

  it('refuses a no-op reschedule of a cancelled event with EVENT_CANCELLED too', () => {
    given(scheduled, cancelled())
      .when({ kind: 'reschedule', start: { date: '2013-10-22' }, end: { date: '2013-10-25' } })
      .thenThrows({ code: 'EVENT_CANCELLED', kind: 'conflict' });
  });

  it('reports EVENT_CANCELLED before looking at invalid times', () => {
    given(scheduled, cancelled())
      .when({ kind: 'reschedule', start: { date: '2013-11-07' }, end: { date: '2013-11-05' } })
      .thenThrows({ code: 'EVENT_CANCELLED' });
  });

  it('refuses to reschedule an event that does not exist', () => {
    given()
      .when({ kind: 'reschedule', start: { date: '2013-11-05' }, end: { date: '2013-11-07' } })
      .thenThrows({ code: 'EVENT_NOT_FOUND', kind: 'not-found' });
  });
});

// ---------------------------------------------------------------------------------------------
// Change details
// ---------------------------------------------------------------------------------------------

describe('CalendarEvent: change details', () => {
  const changed = (data: EventDetailsChanged['data']): EventDetailsChanged => ({ type: 'EventDetailsChanged', data });

  it('records only the title when only the title changes', () => {
    given(scheduled)
      .when({ kind: 'change-details', title: 'World Humanities Forum 2013' })
      .then([changed({ title: 'World Humanities Forum 2013' })]);
  });

  it('records only the fields that differ when several are given', () => {
    given(scheduled)
      .when({
        kind: 'change-details',
        title: seoulForum.title,
        description: 'Revised programme.',
        programme: 'social-sciences',
        location: { ...seoulLocation },
      })
      .then([changed({ description: 'Revised programme.' })]);
  });

  it('records every changed field together in one event', () => {
    given(scheduled)
      .when({ kind: 'change-details', title: 'New title', description: 'New description', programme: 'culture' })
      .then([changed({ title: 'New title', description: 'New description', programme: 'culture' })]);
  });

  it('can clear the programme', () => {
    given(scheduled)
      .when({ kind: 'change-details', programme: null })
      .then([changed({ programme: null })]);
  });

  it('produces nothing when every value given is identical', () => {
    given(scheduled).when({ kind: 'change-details', title: seoulForum.title, description: seoulForum.description, programme: seoulForum.programme, location: seoulLocation }).thenNothing();
  });

  it('produces nothing when no field is given', () => {
    given(scheduled).when({ kind: 'change-details' }).thenNothing();
  });

  it('merges a venue-only location with the current city and country', () => {
    given(scheduled)
      .when({ kind: 'change-details', location: { venue: 'Lotte Hotel' } })
      .then([changed({ location: { city: 'Seoul', country: 'KR', venue: 'Lotte Hotel' } })]);
  });

  it('keeps the current country and venue when only the city changes', () => {
    given(scheduled)
      .when({ kind: 'change-details', location: { city: 'Busan' } })
      .then([changed({ location: { city: 'Busan', country: 'KR', venue: 'COEX Convention Centre' } })]);
  });

  it('can clear the venue with null', () => {
    given(scheduled)
      .when({ kind: 'change-details', location: { venue: null } })
      .then([changed({ location: { city: 'Seoul', country: 'KR', venue: null } })]);
  });

  it('produces nothing for a partial location equal to the current one', () => {
    given(scheduled)
      .when({ kind: 'change-details', location: { venue: 'COEX Convention Centre' } })
      .thenNothing();
  });

  it('produces nothing for an empty partial location', () => {
    given(scheduled).when({ kind: 'change-details', location: {} }).thenNothing();
  });

  it('compares against the details as already changed', () => {
    given(scheduled, changed({ title: 'Renamed' }))
      .when({ kind: 'change-details', title: 'Renamed' })
      .thenNothing();
    given(scheduled, changed({ title: 'Renamed' }))
      .when({ kind: 'change-details', title: seoulForum.title })
      .then([changed({ title: seoulForum.title })]);
  });

  it('merges a partial location with a location changed earlier', () => {
    given(scheduled, changed({ location: { city: 'Busan', country: 'KR', venue: 'BEXCO' } }))
      .when({ kind: 'change-details', location: { venue: 'Haeundae Hall' } })
      .then([changed({ location: { city: 'Busan', country: 'KR', venue: 'Haeundae Hall' } })]);
  });

  it('refuses to change a cancelled event', () => {
    given(scheduled, cancelled()).when({ kind: 'change-details', title: 'Too late' }).thenThrows({ code: 'EVENT_CANCELLED', kind: 'conflict' });
  });

  it('refuses even an identical change on a cancelled event', () => {
    given(scheduled, cancelled()).when({ kind: 'change-details', title: seoulForum.title }).thenThrows({ code: 'EVENT_CANCELLED', kind: 'conflict' });
  });

  it('refuses to change an event that does not exist', () => {
    given().when({ kind: 'change-details', title: 'Ghost' }).thenThrows({ code: 'EVENT_NOT_FOUND', kind: 'not-found' });
  });
});

// ---------------------------------------------------------------------------------------------
// Cancel
// ---------------------------------------------------------------------------------------------

describe('CalendarEvent: cancel', () => {
  it('cancels a scheduled event with its reason', () => {
    given(scheduled)
      .when({ kind: 'cancel', reason: 'venue unavailable' })
      .then([cancelled('venue unavailable')]);
  });

  it('cancels an event that was rescheduled and changed', () => {
    given(scheduled, rescheduled(), { type: 'EventDetailsChanged', data: { title: 'Renamed' } })
      .when({ kind: 'cancel', reason: 'funding withdrawn' })
      .then([cancelled('funding withdrawn')]);
  });

  it('refuses a second cancel with EVENT_CANCELLED', () => {
    given(scheduled, cancelled()).when({ kind: 'cancel', reason: 'again' }).thenThrows({ code: 'EVENT_CANCELLED', kind: 'conflict' });
  });

  it('refuses to cancel an event that does not exist', () => {
    given().when({ kind: 'cancel', reason: 'nothing there' }).thenThrows({ code: 'EVENT_NOT_FOUND', kind: 'not-found' });
  });
});

// ---------------------------------------------------------------------------------------------
// Input limits: whatever is accepted, every read model can store
// ---------------------------------------------------------------------------------------------

describe('CalendarEvent: input limits', () => {
  it.each([
    ['a year-0000 all-day date', { start: { date: '0000-01-01' }, end: { date: '0000-01-01' }, timeZone: 'UTC' }, 'start.date'],
    ['a day before 1000-01-01', { start: { date: '0999-12-31' }, end: { date: '1000-01-01' } }, 'start.date'],
    ['a last day after 9998-12-31', { start: { date: '9998-12-31' }, end: { date: '9999-01-01' } }, 'end.date'],
    ['a date-time in year 9999', { start: { dateTime: '9999-01-01T10:00' }, end: { dateTime: '9999-01-01T11:00' } }, 'start.dateTime'],
    ['NUL in the title', { title: 'a\u0000b' }, 'title'],
    ['an unpaired surrogate in the title', { title: 'a\ud800b' }, 'title'],
    ['a newline in the title', { title: 'a\nb' }, 'title'],
    ['a blank title', { title: '   ' }, 'title'],
    ['a title of 301 characters', { title: 'x'.repeat(301) }, 'title'],
    ['an escape character in the description', { description: 'a\u001bb' }, 'description'],
    ['a description of 10,001 characters', { description: 'x'.repeat(10_001) }, 'description'],
    ['a city of 3,000 characters', { location: { ...seoulLocation, city: 'x'.repeat(3000) } }, 'location.city'],
    ['a C1 control character in the city', { location: { ...seoulLocation, city: 'Se\u0085oul' } }, 'location.city'],
    ['a lower-case country', { location: { ...seoulLocation, country: 'kr' } }, 'location.country'],
    ['a venue of 301 characters', { location: { ...seoulLocation, venue: 'v'.repeat(301) } }, 'location.venue'],
    ['an unknown programme', { programme: 'astrology' as never }, 'programme'],
    ['NUL in the time zone', { timeZone: 'Asia/Seoul\u0000' }, 'timeZone'],
  ] as [string, Partial<ScheduleEvent>, string][])('refuses %s, naming the field', (_what, overrides, field) => {
    given().when(scheduleCommand(overrides)).thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field });
  });

  it('accepts the extremes: 1000-01-01 to 9998-12-31, the longest strings, astral text, tab and newline in the description', () => {
    const title = '\u{1F4C5}'.repeat(150); // 300 UTF-16 units
    given()
      .when(scheduleCommand({ title, description: `line\tone\n${'d'.repeat(9990)}`, start: { date: '1000-01-01' }, end: { date: '9998-12-31' } }))
      .then([{ type: 'EventScheduled', data: { ...seoulForum, title, description: `line\tone\n${'d'.repeat(9990)}`, start: { date: '1000-01-01' }, end: { date: '9998-12-31' } } }]);
  });

  it('checks reschedules, detail changes and cancels the same way', () => {
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-10-22' }, end: { date: '10000-01-01' as string } })
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'end.date' });
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '0000-01-01' }, end: { date: '0000-01-02' } })
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'start.date' });
    given(scheduled)
      .when({ kind: 'reschedule', start: { date: '2013-10-22' }, end: { date: '2013-10-25' }, reason: 'x\u0000' })
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'reason' });
    given(scheduled)
      .when({ kind: 'change-details', location: { city: 'c'.repeat(121) } })
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'location.city' });
    given(scheduled).when({ kind: 'change-details', description: 'bell\u0007' }).thenThrows({ code: 'VALIDATION_FAILED', field: 'description' });
    given(scheduled).when({ kind: 'cancel', reason: '\ud83d' }).thenThrows({ code: 'VALIDATION_FAILED', field: 'reason' });
  });
});

// ---------------------------------------------------------------------------------------------
// Evolve: the state a stream folds into
// ---------------------------------------------------------------------------------------------

describe('CalendarEvent: evolve', () => {
  it('starts absent with nothing known', () => {
    expect(initialState).toEqual({
      status: 'absent',
      details: null,
      timeZone: 'UTC',
      start: null,
      end: null,
      instants: null,
      cancelReason: null,
      recurrence: null,
      overrides: {},
    });
  });

  it('derives all-day instants from local midnights (2013-10-22..2013-10-25 in Asia/Seoul)', () => {
    expect(stateOf([scheduled])).toEqual({
      status: 'scheduled',
      details: { title: seoulForum.title, description: seoulForum.description, programme: 'social-sciences', location: seoulLocation },
      timeZone: 'Asia/Seoul',
      start: { date: '2013-10-22' },
      end: { date: '2013-10-25' },
      instants: { startsAt: '2013-10-21T15:00:00Z', endsAt: '2013-10-25T15:00:00Z' },
      cancelReason: null,
      recurrence: null,
      overrides: {},
    });
  });

  it('derives timed instants from the wall clock across the March DST change in America/New_York', () => {
    const overnight: EventScheduled = {
      type: 'EventScheduled',
      data: { ...newYorkTalk.data, start: { dateTime: '2026-03-07T22:00' }, end: { dateTime: '2026-03-08T10:00' } },
    };
    // 22:00 EST (-05:00) to 10:00 EDT (-04:00): twelve wall-clock hours, eleven real ones.
    expect(stateOf([overnight]).instants).toEqual({ startsAt: '2026-03-08T03:00:00Z', endsAt: '2026-03-08T14:00:00Z' });
  });

  it('derives timed instants across the November DST change in America/New_York', () => {
    const overnight: EventScheduled = {
      type: 'EventScheduled',
      data: { ...newYorkTalk.data, start: { dateTime: '2026-10-31T22:00' }, end: { dateTime: '2026-11-01T10:00' } },
    };
    // 22:00 EDT (-04:00) to 10:00 EST (-05:00): twelve wall-clock hours, thirteen real ones.
    expect(stateOf([overnight]).instants).toEqual({ startsAt: '2026-11-01T02:00:00Z', endsAt: '2026-11-01T15:00:00Z' });
  });

  it('a reschedule moves the times, zone and instants and leaves the details alone', () => {
    const before = stateOf([newYorkTalk]);
    const after = evolve(before, rescheduled({ start: { dateTime: '2026-07-01T09:00' }, end: { dateTime: '2026-07-01T17:00' }, timeZone: 'Europe/Paris' }));
    expect(after).toEqual({
      ...before,
      timeZone: 'Europe/Paris',
      start: { dateTime: '2026-07-01T09:00' },
      end: { dateTime: '2026-07-01T17:00' },
      instants: { startsAt: '2026-07-01T07:00:00Z', endsAt: '2026-07-01T15:00:00Z' },
    });
  });

  it('a details change replaces only the changed fields', () => {
    const state = stateOf([scheduled, { type: 'EventDetailsChanged', data: { title: 'Renamed', location: { city: 'Busan', country: 'KR', venue: null } } }]);
    expect(state.details).toEqual({
      title: 'Renamed',
      description: seoulForum.description,
      programme: 'social-sciences',
      location: { city: 'Busan', country: 'KR', venue: null },
    });
    expect(state.instants).toEqual({ startsAt: '2013-10-21T15:00:00Z', endsAt: '2013-10-25T15:00:00Z' });
  });

  it('a cancellation marks the event cancelled with its reason and keeps what it was', () => {
    const before = stateOf([scheduled, rescheduled()]);
    expect(evolve(before, cancelled('storm warning'))).toEqual({ ...before, status: 'cancelled', cancelReason: 'storm warning' });
  });

  it('fold over stored events gives the same state and the version of the last event', () => {
    const history: CalendarEventEvent[] = [scheduled, rescheduled(), { type: 'EventDetailsChanged', data: { programme: 'culture' } }, cancelled()];
    const stored: StoredEvent[] = history.map((e, i) => ({
      id: `e${i + 1}`,
      position: String(100 + i),
      transactionId: String(10 + i),
      streamId: 'calendar-event-1',
      version: i + 1,
      type: e.type,
      schemaVersion: 1,
      data: { ...e.data },
      metadata: { actor: 'system', correlationId: 'c', causationId: 'c' },
      recordedAt: new Date('2026-01-01T00:00:00Z'),
      prevHash: '',
      hash: '',
    }));
    const loaded = fold(calendarEventDecider, stored);
    expect(loaded.state).toEqual(stateOf(history));
    expect(loaded.version).toBe(4);
    expect(loaded.position).toBe('103');
    expect(loaded.state.status).toBe('cancelled');
  });

  it('fold over an empty stream is the absent state at version 0', () => {
    expect(fold(calendarEventDecider, [])).toEqual({ state: initialState, version: 0, position: '0' });
  });
});
