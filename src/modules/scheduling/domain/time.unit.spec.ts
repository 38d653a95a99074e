import { EventTime, Instants, TimeRuleError, isAllDay, isValidTimeZone, sameTime, toInstants } from './time';

const day = (date: string): EventTime => ({ date });
const at = (dateTime: string): EventTime => ({ dateTime });

/** The TimeRuleError toInstants throws, or fails the test when it throws none. */
function refusal(start: EventTime, end: EventTime, zone: string): TimeRuleError {
  try {
    toInstants(start, end, zone);
  } catch (err) {
    expect(err).toBeInstanceOf(TimeRuleError);
    return err as TimeRuleError;
  }
  throw new Error(`expected ${JSON.stringify(start)}..${JSON.stringify(end)} in ${zone} to be refused`);
}

const hoursBetween = ({ startsAt, endsAt }: Instants): number => (Date.parse(endsAt) - Date.parse(startsAt)) / 3_600_000;

describe('toInstants: all-day events (inclusive last day)', () => {
  it('runs from local midnight of the first day to local midnight after the last day (Asia/Seoul)', () => {
    expect(toInstants(day('2013-10-22'), day('2013-10-25'), 'Asia/Seoul')).toEqual({
      startsAt: '2013-10-21T15:00:00Z',
      endsAt: '2013-10-25T15:00:00Z',
    });
  });

  it('Asia/Shanghai (+08:00, no DST): a week-long holiday', () => {
    expect(toInstants(day('2026-10-01'), day('2026-10-07'), 'Asia/Shanghai')).toEqual({
      startsAt: '2026-09-30T16:00:00Z',
      endsAt: '2026-10-07T16:00:00Z',
    });
  });

  it('Asia/Ulaanbaatar (+08:00): a single day is one day long', () => {
    const instants = toInstants(day('2026-01-01'), day('2026-01-01'), 'Asia/Ulaanbaatar');
    expect(instants).toEqual({ startsAt: '2025-12-31T16:00:00Z', endsAt: '2026-01-01T16:00:00Z' });
    expect(hoursBetween(instants)).toBe(24);
  });

  it('UTC: a single day runs midnight to midnight', () => {
    expect(toInstants(day('2026-06-15'), day('2026-06-15'), 'UTC')).toEqual({ startsAt: '2026-06-15T00:00:00Z', endsAt: '2026-06-16T00:00:00Z' });
  });

  it('America/New_York: the spring-forward day is 23 hours long', () => {
    const instants = toInstants(day('2026-03-08'), day('2026-03-08'), 'America/New_York');
    expect(instants).toEqual({ startsAt: '2026-03-08T05:00:00Z', endsAt: '2026-03-09T04:00:00Z' });
    expect(hoursBetween(instants)).toBe(23);
  });

  it('America/New_York: the fall-back day is 25 hours long', () => {
    const instants = toInstants(day('2026-11-01'), day('2026-11-01'), 'America/New_York');
    expect(instants).toEqual({ startsAt: '2026-11-01T04:00:00Z', endsAt: '2026-11-02T05:00:00Z' });
    expect(hoursBetween(instants)).toBe(25);
  });

  it('Australia/Lord_Howe: the half-hour spring-forward day is 23.5 hours long', () => {
    const instants = toInstants(day('2026-10-04'), day('2026-10-04'), 'Australia/Lord_Howe');
    expect(instants).toEqual({ startsAt: '2026-10-03T13:30:00Z', endsAt: '2026-10-04T13:00:00Z' });
    expect(hoursBetween(instants)).toBe(23.5);
  });

  it('Pacific/Chatham (+13:45 in summer): midnight sits at a quarter past the hour in UTC', () => {
    expect(toInstants(day('2026-01-15'), day('2026-01-16'), 'Pacific/Chatham')).toEqual({
      startsAt: '2026-01-14T10:15:00Z',
      endsAt: '2026-01-16T10:15:00Z',
    });
  });

  it('spans a month and year boundary', () => {
    expect(toInstants(day('2025-12-31'), day('2026-01-01'), 'UTC')).toEqual({ startsAt: '2025-12-31T00:00:00Z', endsAt: '2026-01-02T00:00:00Z' });
  });

  it('accepts 29 February in a leap year', () => {
    expect(toInstants(day('2024-02-29'), day('2024-02-29'), 'UTC')).toEqual({ startsAt: '2024-02-29T00:00:00Z', endsAt: '2024-03-01T00:00:00Z' });
  });

  it('refuses a last day before the first day, naming end', () => {
    expect(refusal(day('2013-10-25'), day('2013-10-24'), 'Asia/Seoul').field).toBe('end');
  });

  it.each([
    ['2013-02-30', 'start'],
    ['2013-02-29', 'start'],
    ['2013-13-01', 'start'],
    ['2013-04-31', 'start'],
  ])('refuses the non-date %s as a start, naming start.date', (date, field) => {
    expect(refusal(day(date), day('2014-01-01'), 'UTC').field).toBe(`${field}.date`);
  });

  it('refuses a non-date end, naming end.date', () => {
    expect(refusal(day('2013-02-01'), day('2013-02-30'), 'UTC').field).toBe('end.date');
  });

  it.each(['2013-1-5', '20131005', '2013-10-05T00:00', ' 2013-10-05'])('refuses the malformed date %j', (date) => {
    expect(refusal(day(date), day('2014-01-01'), 'UTC').field).toBe('start.date');
  });
});

describe('toInstants: timed events (wall clock in the zone)', () => {
  it('Asia/Shanghai: wall clock at +08:00', () => {
    expect(toInstants(at('2026-07-01T09:00'), at('2026-07-01T17:30'), 'Asia/Shanghai')).toEqual({
      startsAt: '2026-07-01T01:00:00Z',
      endsAt: '2026-07-01T09:30:00Z',
    });
  });

  it('Asia/Ulaanbaatar: wall clock at +08:00', () => {
    expect(toInstants(at('2026-02-10T08:00'), at('2026-02-10T09:00'), 'Asia/Ulaanbaatar')).toEqual({
      startsAt: '2026-02-10T00:00:00Z',
      endsAt: '2026-02-10T01:00:00Z',
    });
  });

  it('keeps seconds when given', () => {
    expect(toInstants(at('2026-07-01T09:00:15'), at('2026-07-01T09:00:45'), 'UTC')).toEqual({
      startsAt: '2026-07-01T09:00:15Z',
      endsAt: '2026-07-01T09:00:45Z',
    });
  });

  it('accepts end == start (zero length)', () => {
    expect(toInstants(at('2026-07-01T09:00'), at('2026-07-01T09:00'), 'Asia/Shanghai')).toEqual({
      startsAt: '2026-07-01T01:00:00Z',
      endsAt: '2026-07-01T01:00:00Z',
    });
  });

  it("accepts end == start written once as 'HH:mm' and once as 'HH:mm:ss'", () => {
    const instants = toInstants(at('2026-07-01T09:00'), at('2026-07-01T09:00:00'), 'UTC');
    expect(instants.endsAt).toBe(instants.startsAt);
  });

  it('refuses an end one minute before the start, naming end', () => {
    expect(refusal(at('2026-07-01T09:00'), at('2026-07-01T08:59'), 'UTC').field).toBe('end');
  });

  it('refuses an end one second before the start', () => {
    expect(refusal(at('2026-07-01T09:00:01'), at('2026-07-01T09:00'), 'UTC').field).toBe('end');
  });

  describe('America/New_York, March (spring forward 02:00 -> 03:00)', () => {
    it('maps the last minute before the gap and the first after it', () => {
      expect(toInstants(at('2026-03-08T01:59'), at('2026-03-08T03:00'), 'America/New_York')).toEqual({
        startsAt: '2026-03-08T06:59:00Z',
        endsAt: '2026-03-08T07:00:00Z',
      });
    });

    it.each(['2026-03-08T02:00', '2026-03-08T02:30', '2026-03-08T02:59', '2026-03-08T02:30:00'])('refuses the non-existent start %s', (t) => {
      const err = refusal(at(t), at('2026-03-08T05:00'), 'America/New_York');
      expect(err.field).toBe('start.dateTime');
    });

    it('refuses a non-existent end, naming end.dateTime', () => {
      expect(refusal(at('2026-03-08T01:00'), at('2026-03-08T02:30'), 'America/New_York').field).toBe('end.dateTime');
    });

    it('the same wall-clock time in a zone without that gap is fine', () => {
      expect(toInstants(at('2026-03-08T02:30'), at('2026-03-08T03:30'), 'Europe/London')).toEqual({
        startsAt: '2026-03-08T02:30:00Z',
        endsAt: '2026-03-08T03:30:00Z',
      });
    });
  });

  describe('America/New_York, November (fall back 02:00 -> 01:00)', () => {
    it('an overnight event across the change lasts one hour more than its wall clock says', () => {
      const instants = toInstants(at('2026-10-31T22:00'), at('2026-11-01T10:00'), 'America/New_York');
      expect(instants).toEqual({ startsAt: '2026-11-01T02:00:00Z', endsAt: '2026-11-01T15:00:00Z' });
      expect(hoursBetween(instants)).toBe(13);
    });

    it('accepts an ambiguous 01:30 and maps it to one of its two occurrences', () => {
      const { startsAt, endsAt } = toInstants(at('2026-11-01T01:30'), at('2026-11-01T03:00'), 'America/New_York');
      expect(['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z']).toContain(startsAt);
      expect(endsAt).toBe('2026-11-01T08:00:00Z');
    });

    it('the unambiguous times either side of the repeated hour map exactly', () => {
      expect(toInstants(at('2026-11-01T00:59'), at('2026-11-01T02:00'), 'America/New_York')).toEqual({
        startsAt: '2026-11-01T04:59:00Z',
        endsAt: '2026-11-01T07:00:00Z',
      });
    });
  });

  describe('half-hour and 45-minute offsets', () => {
    it('Australia/Lord_Howe in winter (+10:30)', () => {
      expect(toInstants(at('2026-07-01T09:00'), at('2026-07-01T10:00'), 'Australia/Lord_Howe')).toEqual({
        startsAt: '2026-06-30T22:30:00Z',
        endsAt: '2026-06-30T23:30:00Z',
      });
    });

    it('Australia/Lord_Howe refuses times inside its half-hour gap (02:00 -> 02:30 on 2026-10-04)', () => {
      expect(refusal(at('2026-10-04T02:15'), at('2026-10-04T04:00'), 'Australia/Lord_Howe').field).toBe('start.dateTime');
    });

    it('Australia/Lord_Howe: 02:30 right after the gap exists (+11:00)', () => {
      expect(toInstants(at('2026-10-04T01:59'), at('2026-10-04T02:30'), 'Australia/Lord_Howe')).toEqual({
        startsAt: '2026-10-03T15:29:00Z',
        endsAt: '2026-10-03T15:30:00Z',
      });
    });

    it('Pacific/Chatham in summer (+13:45)', () => {
      expect(toInstants(at('2026-01-15T12:00'), at('2026-01-15T13:00'), 'Pacific/Chatham')).toEqual({
        startsAt: '2026-01-14T22:15:00Z',
        endsAt: '2026-01-14T23:15:00Z',
      });
    });

    it('Pacific/Chatham in winter (+12:45)', () => {
      expect(toInstants(at('2026-07-15T12:00'), at('2026-07-15T13:00'), 'Pacific/Chatham')).toEqual({
        startsAt: '2026-07-14T23:15:00Z',
        endsAt: '2026-07-15T00:15:00Z',
      });
    });

    it('Pacific/Chatham refuses times inside its gap (02:45 -> 03:45 on 2026-09-27)', () => {
      expect(refusal(at('2026-09-27T03:00'), at('2026-09-27T05:00'), 'Pacific/Chatham').field).toBe('start.dateTime');
    });
  });

  it('Asia/Ulaanbaatar refuses a time in its (historic) 2016 DST gap', () => {
    expect(refusal(at('2016-03-26T02:30'), at('2016-03-26T04:00'), 'Asia/Ulaanbaatar').field).toBe('start.dateTime');
  });

  it.each([
    ['2013-10-22T25:00', 'hour 25'],
    ['2013-10-22T10:60', 'minute 60'],
    ['2013-02-30T10:00', 'non-date'],
    ['2013-10-22T10:00Z', 'an offset'],
    ['2013-10-22T10:00+09:00', 'an offset'],
    ['2013-10-22 10:00', 'a space'],
    ['2013-10-22T10', 'no minutes'],
    ['2013-10-22T10:00:00.000', 'milliseconds'],
  ])('refuses the date-time %s (%s), naming start.dateTime', (dateTime) => {
    expect(refusal(at(dateTime), at('2014-01-01T00:00'), 'UTC').field).toBe('start.dateTime');
  });
});

describe('toInstants: form and zone', () => {
  it('refuses an all-day start with a timed end, naming end', () => {
    expect(refusal(day('2026-07-01'), at('2026-07-01T10:00'), 'UTC').field).toBe('end');
  });

  it('refuses a timed start with an all-day end, naming end', () => {
    expect(refusal(at('2026-07-01T10:00'), day('2026-07-02'), 'UTC').field).toBe('end');
  });

  it.each(['Mars/Olympus_Mons', '', 'UTC+3', 'GMT+25'])('refuses the zone %j, naming timeZone', (zone) => {
    expect(refusal(day('2026-07-01'), day('2026-07-01'), zone).field).toBe('timeZone');
  });

  it('checks the zone before the times', () => {
    expect(refusal(day('2026-07-05'), day('2026-07-01'), 'Nowhere/Land').field).toBe('timeZone');
  });
});

describe('isValidTimeZone / isAllDay', () => {
  it.each(['UTC', 'Asia/Seoul', 'Asia/Shanghai', 'Asia/Ulaanbaatar', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham'])('accepts the IANA zone %s', (zone) =>
    expect(isValidTimeZone(zone)).toBe(true),
  );

  it('rejects made-up zones', () => {
    expect(isValidTimeZone('Asia/Atlantis')).toBe(false);
  });

  it('tells all-day from timed', () => {
    expect(isAllDay(day('2026-07-01'))).toBe(true);
    expect(isAllDay(at('2026-07-01T10:00'))).toBe(false);
  });
});

describe('sameTime', () => {
  it("treats 'T10:00' and 'T10:00:00' as the same time, in either order", () => {
    expect(sameTime(at('2026-07-01T10:00'), at('2026-07-01T10:00:00'))).toBe(true);
    expect(sameTime(at('2026-07-01T10:00:00'), at('2026-07-01T10:00'))).toBe(true);
  });

  it('identical date-times and identical dates are the same', () => {
    expect(sameTime(at('2026-07-01T10:00'), at('2026-07-01T10:00'))).toBe(true);
    expect(sameTime(day('2026-07-01'), day('2026-07-01'))).toBe(true);
  });

  it('a second apart is different', () => {
    expect(sameTime(at('2026-07-01T10:00'), at('2026-07-01T10:00:01'))).toBe(false);
  });

  it('different dates are different', () => {
    expect(sameTime(day('2026-07-01'), day('2026-07-02'))).toBe(false);
    expect(sameTime(at('2026-07-01T10:00'), at('2026-07-02T10:00'))).toBe(false);
  });

  it('an all-day date is never the same as a date-time, in either order', () => {
    expect(sameTime(day('2026-07-01'), at('2026-07-01T00:00'))).toBe(false);
    expect(sameTime(at('2026-07-01T00:00'), day('2026-07-01'))).toBe(false);
  });
});

describe('an ambiguous wall-clock time (DST fall-back) does not depend on when it is read', () => {
  const { Settings } = jest.requireActual<typeof import('luxon')>('luxon');
  const realNow = Settings.now;
  afterEach(() => {
    Settings.now = realNow;
  });

  it.each([
    ['in January', Date.UTC(2026, 0, 15)],
    ['in July', Date.UTC(2026, 6, 15)],
  ])('given the clock reads %s, 01:30 on 1 Nov 2026 in New York is its first occurrence (EDT)', (_label, now) => {
    Settings.now = () => now;
    const i = toInstants({ dateTime: '2026-11-01T01:30' }, { dateTime: '2026-11-01T01:45' }, 'America/New_York');
    expect(i.startsAt).toBe('2026-11-01T05:30:00Z');
  });
});
