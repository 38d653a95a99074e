import { DeciderSpec } from '../../../testing/decider-spec';
import { calendarEventDecider, evolve, initialState, occurrenceOf } from './calendar-event';
import type { ScheduleEvent } from './commands';
import type { CalendarEventEvent, EventScheduled, Location } from './events';
import { expand, instanceId, originalStartFromToken, parseInstanceId } from './recurrence';

const given = DeciderSpec.for(calendarEventDecider).given;
const berlin: Location = { city: 'Berlin', country: 'DE', venue: 'Haus der Kulturen der Welt' };

/** Weekly Tuesday 09:00–10:00 Europe/Berlin from 6 October 2026 (DST ends 25 October). */
const briefing: EventScheduled = {
  type: 'EventScheduled',
  data: {
    title: 'Weekly briefing',
    description: 'Programme updates.',
    programme: 'education',
    location: berlin,
    timeZone: 'Europe/Berlin',
    start: { dateTime: '2026-10-06T09:00:00' },
    end: { dateTime: '2026-10-06T10:00:00' },
    recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10'],
  },
};

const scheduleBriefing = (recurrence: unknown): ScheduleEvent => {
  const { recurrence: _ignored, ...rest } = briefing.data;
  return { kind: 'schedule', ...rest, recurrence: recurrence as string[] };
};

const stateOf = (...events: CalendarEventEvent[]) => events.reduce(evolve, initialState);
const series = (recurrence: string[], start = briefing.data.start, end = briefing.data.end, timeZone = 'Europe/Berlin') => ({ start, end, timeZone, recurrence });
const all = (s: ReturnType<typeof series>) => expand(s, Date.parse('1000-01-01T00:00:00Z'), Date.parse('9999-01-01T00:00:00Z'));

describe('Recurrence: expansion at the series wall clock', () => {
  it('keeps 09:00 Europe/Berlin across the October DST change (07:00Z, then 08:00Z)', () => {
    const starts = all(series(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=5'])).map((o) => o.instants.startsAt);
    expect(starts).toEqual(['2026-10-06T07:00:00Z', '2026-10-13T07:00:00Z', '2026-10-20T07:00:00Z', '2026-10-27T08:00:00Z', '2026-11-03T08:00:00Z']);
  });

  it('finds the last Friday of each month in Asia/Seoul', () => {
    const s = series(['RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=4'], { dateTime: '2026-01-30T18:30' }, { dateTime: '2026-01-30T20:00' }, 'Asia/Seoul');
    expect(all(s).map((o) => o.start)).toEqual([{ dateTime: '2026-01-30T18:30:00' }, { dateTime: '2026-02-27T18:30:00' }, { dateTime: '2026-03-27T18:30:00' }, { dateTime: '2026-04-24T18:30:00' }]);
    expect(all(s)[1].instants).toEqual({ startsAt: '2026-02-27T09:30:00Z', endsAt: '2026-02-27T11:00:00Z' });
  });

  it('leaves out EXDATE instances (zone-named, UTC or floating) and adds RDATE ones', () => {
    const s = series(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4', 'EXDATE;TZID=Europe/Berlin:20261013T090000', 'EXDATE:20261027T080000Z', 'RDATE;TZID=Europe/Berlin:20261031T140000']);
    expect(all(s).map((o) => o.start)).toEqual([{ dateTime: '2026-10-06T09:00:00' }, { dateTime: '2026-10-20T09:00:00' }, { dateTime: '2026-10-31T14:00:00' }]);
  });

  it('expands an all-day yearly series as dates (8 September every year)', () => {
    const s = series(['RRULE:FREQ=YEARLY;UNTIL=20280908'], { date: '2026-09-08' }, { date: '2026-09-08' }, 'Europe/Paris');
    const found = all(s);
    expect(found.map((o) => o.start)).toEqual([{ date: '2026-09-08' }, { date: '2027-09-08' }, { date: '2028-09-08' }]);
    expect(found[0].instants).toEqual({ startsAt: '2026-09-07T22:00:00Z', endsAt: '2026-09-08T22:00:00Z' });
  });

  it('returns only the instances that overlap the window', () => {
    const s = series(['RRULE:FREQ=WEEKLY;BYDAY=TU']);
    const found = expand(s, Date.parse('2026-10-20T07:30:00Z'), Date.parse('2026-11-01T00:00:00Z'));
    expect(found.map((o) => o.instants.startsAt)).toEqual(['2026-10-20T07:00:00Z', '2026-10-27T08:00:00Z']);
  });

  it('names instances <id>_<YYYYMMDD> or <id>_<YYYYMMDDTHHmmssZ> (the original start in UTC), and reads them back', () => {
    expect(instanceId('e1', { dateTime: '2026-10-27T09:00:00' }, 'Europe/Berlin')).toBe('e1_20261027T080000Z');
    expect(instanceId('e1', { date: '2026-09-08' }, 'Europe/Paris')).toBe('e1_20260908');
    expect(parseInstanceId('9b2f_20261027T080000Z')).toEqual({ eventId: '9b2f', token: '20261027T080000Z' });
    expect(parseInstanceId('9b2f')).toBeNull();
    expect(originalStartFromToken('20261027T080000Z', { start: { dateTime: '2026-10-06T09:00' }, timeZone: 'Europe/Berlin' })).toEqual({
      dateTime: '2026-10-27T09:00:00',
    });
    expect(originalStartFromToken('20260908', { start: { dateTime: '2026-10-06T09:00' }, timeZone: 'Europe/Berlin' })).toBeNull();
  });
});

describe('Recurrence: schedule validates the lines (400 naming recurrence)', () => {
  it('records the lines as given', () => {
    given()
      .when(scheduleBriefing(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10']))
      .then([briefing]);
  });

  it.each([
    ['FREQ=HOURLY', ['RRULE:FREQ=HOURLY;COUNT=3']],
    ['FREQ=MINUTELY', ['RRULE:FREQ=MINUTELY']],
    ['FREQ=SECONDLY', ['RRULE:FREQ=SECONDLY']],
    ['COUNT over 730', ['RRULE:FREQ=DAILY;COUNT=731']],
    ['COUNT 0', ['RRULE:FREQ=DAILY;COUNT=0']],
    ['UNTIL before start', ['RRULE:FREQ=WEEKLY;UNTIL=20261001T000000Z']],
    ['a rule that yields no instance', ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30']],
    ['every instance excluded', ['RRULE:FREQ=DAILY;COUNT=1', 'EXDATE;TZID=Europe/Berlin:20261006T090000']],
    ['no RRULE', ['EXDATE;TZID=Europe/Berlin:20261006T090000']],
    ['two RRULEs', ['RRULE:FREQ=DAILY', 'RRULE:FREQ=WEEKLY']],
    ['an unsupported part', ['RRULE:FREQ=DAILY;BYHOUR=9']],
    ['COUNT and UNTIL', ['RRULE:FREQ=DAILY;COUNT=3;UNTIL=20261231T000000Z']],
    ['a bad BYDAY', ['RRULE:FREQ=WEEKLY;BYDAY=XX']],
    ['a date EXDATE on a timed series', ['RRULE:FREQ=DAILY', 'EXDATE:20261007']],
    ['an EXDATE that is no date', ['RRULE:FREQ=DAILY', 'EXDATE:20261399T090000']],
    ['a date beyond 9998-12-31', ['RRULE:FREQ=DAILY', 'RDATE:99991231T090000']],
    ['a control character', ['RRULE:FREQ=DAILY\u0000']],
    ['an unpaired surrogate', ['RRULE:FREQ=DAILY;BYDAY=MO\ud800']],
    ['a line that is no string', [42]],
    ['an empty list', []],
    ['not a list', 'RRULE:FREQ=DAILY'],
    ['another property', ['DTSTART:20261006T090000']],
  ])('refuses %s', (_label, recurrence) => {
    given().when(scheduleBriefing(recurrence)).thenThrows({ code: 'VALIDATION_FAILED', kind: 'invalid', field: 'recurrence' });
  });

  it('accepts BYSETPOS, WKST, BYMONTHDAY, BYMONTH and INTERVAL (a forum every second Tuesday)', () => {
    for (const rule of ['RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', 'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=SU', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=6']) {
      expect(calendarEventDecider.decide(initialState, scheduleBriefing([rule]))).toHaveLength(1);
    }
  });
});

const oct13 = { dateTime: '2026-10-13T09:00:00' };

describe('Recurrence: instances', () => {
  it('reschedules one instance', () => {
    given(briefing)
      .when({ kind: 'reschedule-occurrence', originalStart: oct13, start: { dateTime: '2026-10-14T11:00' }, end: { dateTime: '2026-10-14T12:00' }, reason: 'room taken' })
      .then([
        {
          type: 'OccurrenceRescheduled',
          data: { originalStart: oct13, start: { dateTime: '2026-10-14T11:00' }, end: { dateTime: '2026-10-14T12:00' }, reason: 'room taken' },
        },
      ]);
  });

  it('a reschedule of an instance to where it already is changes nothing', () => {
    given(briefing)
      .when({ kind: 'reschedule-occurrence', originalStart: oct13, start: oct13, end: { dateTime: '2026-10-13T10:00' } })
      .thenNothing();
  });

  it('an instance keeps the series zone and form (400)', () => {
    given(briefing)
      .when({ kind: 'reschedule-occurrence', originalStart: oct13, start: oct13, end: { dateTime: '2026-10-13T10:00' }, timeZone: 'Asia/Seoul' })
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'timeZone' });
    given(briefing)
      .when({ kind: 'reschedule-occurrence', originalStart: oct13, start: { date: '2026-10-14' }, end: { date: '2026-10-14' } })
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'start' });
  });

  it('an instance the rule does not produce cannot be changed (409)', () => {
    given(briefing)
      .when({ kind: 'cancel-occurrence', originalStart: { dateTime: '2026-10-14T09:00:00' }, reason: 'x' })
      .thenThrows({ code: 'INSTANCE_NOT_IN_SERIES', kind: 'conflict' });
    given(briefing)
      .when({ kind: 'cancel-occurrence', originalStart: { dateTime: '2027-10-12T09:00:00' }, reason: 'x' })
      .thenThrows({ code: 'INSTANCE_NOT_IN_SERIES', kind: 'conflict' });
  });

  it('an instance the rule no longer produces cannot be changed (409)', () => {
    given(briefing, { type: 'RecurrenceChanged', data: { recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10', 'EXDATE;TZID=Europe/Berlin:20261013T090000'], reason: null } })
      .when({ kind: 'change-occurrence-details', originalStart: oct13, title: 'x' })
      .thenThrows({ code: 'INSTANCE_NOT_IN_SERIES', kind: 'conflict' });
  });

  it('instance commands on a single event are 409 NOT_RECURRING', () => {
    const { recurrence: _r, ...single } = briefing.data;
    given({ type: 'EventScheduled', data: single }).when({ kind: 'cancel-occurrence', originalStart: oct13, reason: 'x' }).thenThrows({ code: 'NOT_RECURRING', kind: 'conflict' });
  });

  it('cancels one instance; a second cancel or a change of it is 409 EVENT_CANCELLED', () => {
    const cancelledOne: CalendarEventEvent = { type: 'OccurrenceCancelled', data: { originalStart: oct13, reason: 'holiday' } };
    given(briefing).when({ kind: 'cancel-occurrence', originalStart: oct13, reason: 'holiday' }).then([cancelledOne]);
    given(briefing, cancelledOne).when({ kind: 'cancel-occurrence', originalStart: oct13, reason: 'again' }).thenThrows({ code: 'EVENT_CANCELLED' });
    given(briefing, cancelledOne).when({ kind: 'change-occurrence-details', originalStart: oct13, title: 'x' }).thenThrows({ code: 'EVENT_CANCELLED' });
    expect(occurrenceOf(stateOf(briefing, cancelledOne), oct13)).toMatchObject({ status: 'cancelled', cancelReason: 'holiday' });
    expect(occurrenceOf(stateOf(briefing, cancelledOne), { dateTime: '2026-10-20T09:00:00' })).toMatchObject({ status: 'scheduled' });
  });

  it('cancelling the series cancels every instance', () => {
    const state = stateOf(briefing, { type: 'EventCancelled', data: { reason: 'programme ended' } });
    expect(occurrenceOf(state, oct13)).toMatchObject({ status: 'cancelled', cancelReason: 'programme ended' });
    given(briefing, { type: 'EventCancelled', data: { reason: 'programme ended' } })
      .when({ kind: 'cancel-occurrence', originalStart: oct13, reason: 'x' })
      .thenThrows({ code: 'EVENT_CANCELLED' });
  });

  it('an instance override survives a details change of the series', () => {
    const state = stateOf(
      briefing,
      { type: 'OccurrenceDetailsChanged', data: { originalStart: oct13, title: 'Special briefing' } },
      { type: 'EventDetailsChanged', data: { title: 'Monday briefing', description: 'New agenda.' } },
    );
    expect(occurrenceOf(state, oct13)!.details).toMatchObject({ title: 'Special briefing', description: 'New agenda.' });
    expect(occurrenceOf(state, { dateTime: '2026-10-20T09:00:00' })!.details).toMatchObject({ title: 'Monday briefing' });
  });

  it('a details change of an instance records only what differs from the instance', () => {
    given(briefing)
      .when({ kind: 'change-occurrence-details', originalStart: oct13, title: 'Weekly briefing', location: { venue: 'Room 2' } })
      .then([{ type: 'OccurrenceDetailsChanged', data: { originalStart: oct13, location: { ...berlin, venue: 'Room 2' } } }]);
  });

  it('a rule change drops the overrides whose instance no longer exists, and keeps the others', () => {
    const state = stateOf(
      briefing,
      { type: 'OccurrenceCancelled', data: { originalStart: oct13, reason: 'holiday' } },
      { type: 'OccurrenceDetailsChanged', data: { originalStart: { dateTime: '2026-11-24T09:00:00' }, title: 'Last one' } },
      { type: 'RecurrenceChanged', data: { recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3'], reason: 'shorter' } },
    );
    expect(Object.keys(state.overrides)).toEqual(['2026-10-13T09:00:00']);
  });

  it('changes the rule; the same rule again changes nothing; a bad rule is 400', () => {
    given(briefing)
      .when({ kind: 'change-recurrence', recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3'], reason: 'shorter' })
      .then([{ type: 'RecurrenceChanged', data: { recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3'], reason: 'shorter' } }]);
    given(briefing)
      .when({ kind: 'change-recurrence', recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10'] })
      .thenNothing();
    given(briefing)
      .when({ kind: 'change-recurrence', recurrence: ['RRULE:FREQ=HOURLY'] })
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'recurrence' });
  });

  it('rescheduling the series past its UNTIL is 400', () => {
    const until = { ...briefing, data: { ...briefing.data, recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20261130T000000Z'] } };
    given(until)
      .when({ kind: 'reschedule', start: { dateTime: '2026-12-01T09:00' }, end: { dateTime: '2026-12-01T10:00' } })
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'recurrence' });
  });
});

describe('Recurrence: cost of refusing', () => {
  it('refuses an impossible daily rule quickly', () => {
    const t0 = Date.now();
    given()
      .when(scheduleBriefing(['RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30']))
      .thenThrows({ code: 'VALIDATION_FAILED', field: 'recurrence' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

// Bounds far above the ~0.2-1 s these take, far below the ~50 s a run to the year 9999 took: a loaded machine must not fail them.
describe('Recurrence: rules that never produce are refused without running for millennia', () => {
  it.each([['DAILY;INTERVAL=7;BYDAY=WE (the start is a Tuesday)'], ['WEEKLY;BYDAY=TU;BYSETPOS=2'], ['MONTHLY;BYDAY=1MO;BYMONTHDAY=15'], ['YEARLY;BYMONTH=4;BYMONTHDAY=31'], ['MONTHLY;BYDAY=6MO']])(
    'FREQ=%s',
    (rule) => {
      const t0 = Date.now();
      given()
        .when(scheduleBriefing([`RRULE:FREQ=${rule.split(' ')[0]}`]))
        .thenThrows({ code: 'VALIDATION_FAILED', field: 'recurrence' });
      expect(Date.now() - t0).toBeLessThan(5000);
    },
  );
});
