import { dueAt, effectiveLeadTimes, isStale, parseLeadTime, reminderStart } from './reminder-timing';

const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');

describe('dueAt', () => {
  it('counts back from a timed start in the event zone', () => {
    expect(iso(dueAt({ start: { dateTime: '2013-10-22T10:00' }, timeZone: 'Asia/Seoul' }, 'P1D'))).toBe('2013-10-21T01:00:00Z');
    expect(iso(dueAt({ start: { dateTime: '2013-10-22T10:00:00' }, timeZone: 'Asia/Seoul' }, 'PT5M'))).toBe('2013-10-22T00:55:00Z');
    expect(iso(dueAt({ start: { dateTime: '2013-10-22T10:00' }, timeZone: 'Europe/London' }, 'PT2H30M'))).toBe('2013-10-22T06:30:00Z');
  });

  it('takes 09:00 local on the first day of an all-day event (P1D = the day before at 09:00)', () => {
    const e = { start: { date: '2013-10-22' }, timeZone: 'Asia/Seoul' };
    expect(reminderStart(e).toISO()).toBe('2013-10-22T09:00:00.000+09:00');
    expect(iso(dueAt(e, 'P1D'))).toBe('2013-10-21T00:00:00Z');
    expect(iso(dueAt(e, 'PT1H'))).toBe('2013-10-21T23:00:00Z');
    expect(iso(dueAt({ start: { date: '2024-01-15' }, timeZone: 'Pacific/Auckland' }, 'P1W'))).toBe('2024-01-07T20:00:00Z');
  });

  describe('America/New_York across DST', () => {
    const zone = 'America/New_York';
    it('March (spring forward, 9 March 2025): P1D keeps 09:00, a 23-hour day', () => {
      const e = { start: { date: '2025-03-09' }, timeZone: zone };
      expect(iso(reminderStart(e).toJSDate())).toBe('2025-03-09T13:00:00Z'); // 09:00 EDT
      expect(iso(dueAt(e, 'P1D'))).toBe('2025-03-08T14:00:00Z'); // 09:00 EST
    });
    it('March, timed: P1D is the same wall-clock time the day before; PT24H is exactly 24 hours', () => {
      const e = { start: { dateTime: '2025-03-09T10:00' }, timeZone: zone };
      expect(iso(dueAt(e, 'P1D'))).toBe('2025-03-08T15:00:00Z'); // 10:00 EST
      expect(iso(dueAt(e, 'PT24H'))).toBe('2025-03-08T14:00:00Z'); // 09:00 EST
      expect(iso(dueAt(e, 'PT1H'))).toBe('2025-03-09T13:00:00Z'); // 09:00 EDT
    });
    it('March: a wall-clock due time inside the gap moves forward', () => {
      expect(iso(dueAt({ start: { dateTime: '2025-03-10T02:30' }, timeZone: zone }, 'P1D'))).toBe('2025-03-09T07:30:00Z'); // 03:30 EDT
    });
    it('November (fall back, 2 November 2025): P1D keeps 09:00, a 25-hour day', () => {
      const e = { start: { date: '2025-11-02' }, timeZone: zone };
      expect(iso(dueAt(e, 'P1D'))).toBe('2025-11-01T13:00:00Z'); // 09:00 EDT
      expect(iso(reminderStart(e).toJSDate())).toBe('2025-11-02T14:00:00Z'); // 09:00 EST
    });
    it('November: a start in the repeated hour is its first occurrence, like the event startsAt', () => {
      const e = { start: { dateTime: '2025-11-02T01:30' }, timeZone: zone };
      expect(iso(dueAt(e, 'PT30M'))).toBe('2025-11-02T05:00:00Z'); // 01:00 EDT
      expect(iso(dueAt(e, 'PT1H'))).toBe('2025-11-02T04:30:00Z');
      expect(iso(dueAt({ start: { dateTime: '2025-11-02T10:00' }, timeZone: zone }, 'P1D'))).toBe('2025-11-01T14:00:00Z'); // 10:00 EDT
    });
  });

  it('refuses a lead time it cannot read', () => {
    expect(() => dueAt({ start: { date: '2025-01-01' }, timeZone: 'UTC' }, '1D')).toThrow(/invalid lead time/);
  });
});

describe('lead times', () => {
  it('reads durations in weeks, days, hours, minutes or seconds, and nothing else', () => {
    expect(parseLeadTime('P1D')?.days).toBe(1);
    expect(parseLeadTime('PT0.5H')?.toMillis()).toBe(30 * 60_000);
    for (const bad of ['', '1D', 'P1M', 'P1Y', 'PT-5M', 'tomorrow']) expect(parseLeadTime(bad)).toBeNull();
  });
  it('defaults to P1D', () => {
    expect(effectiveLeadTimes(undefined)).toEqual(['P1D']);
    expect(effectiveLeadTimes([])).toEqual(['P1D']);
    expect(effectiveLeadTimes(['PT5M'])).toEqual(['PT5M']);
  });
});

describe('isStale', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  it('sends up to 15 minutes late, not a millisecond more', () => {
    expect(isStale(new Date('2025-06-01T11:45:00Z'), now)).toBe(false);
    expect(isStale(new Date('2025-06-01T11:44:59.999Z'), now)).toBe(true);
    expect(isStale(new Date('2025-06-01T12:00:00Z'), now)).toBe(false);
    expect(isStale(new Date('2025-06-01T13:00:00Z'), now)).toBe(false);
  });
});
