import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { type CalendarEventState, evolve, initialState } from './calendar-event';
import type { CalendarEventEvent } from './events';
import { evolveAll } from './evolve-all';
import type { EventTime } from './time';

// Events straight from generators, not through decide: any order the log can hold (details before
// a schedule, reschedules of a series, times that toInstants refuses), as read back from jsonb.

const DAYS = ['2026-03-07', '2026-03-08', '2026-11-01', '2026-10-04', '2026-06-15'];
const zoneArb = fc.constantFrom('UTC', 'America/New_York', 'Australia/Lord_Howe', 'Atlantis/Lost_City');
const dayArb = fc.constantFrom(...DAYS).map((date): EventTime => ({ date }));
const dateTimeArb = fc.tuple(fc.constantFrom(...DAYS), fc.constantFrom('01:30', '02:30', '10:00', '23:45')).map(([d, t]): EventTime => ({ dateTime: `${d}T${t}` }));
const timeArb: fc.Arbitrary<EventTime> = fc.oneof(dayArb, dateTimeArb);
/** Mostly a valid range; sometimes one toInstants refuses (evolve throws, and so must evolveAll, on the same event). */
const rangeArb: fc.Arbitrary<{ start: EventTime; end: EventTime }> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ start: dayArb, end: dayArb }) },
  { weight: 6, arbitrary: fc.record({ start: dateTimeArb, end: dateTimeArb }) },
  { weight: 1, arbitrary: fc.record({ start: dayArb, end: dateTimeArb }) },
  { weight: 1, arbitrary: fc.record({ start: fc.constant({ date: '2026-02-30' }), end: dayArb }) },
);
const locationArb = fc.record({ city: fc.constantFrom('Seoul', 'Paris'), country: fc.constantFrom('KR', 'FR'), venue: fc.constantFrom<string | null>(null, 'Annex') });
const detailsArb = fc.record(
  { title: fc.constantFrom('Forum', 'Workshop'), description: fc.constantFrom('', 'An event.'), programme: fc.constantFrom(null, 'culture'), location: locationArb },
  { requiredKeys: [] },
);
const recurrenceArb = fc.constantFrom('RRULE:FREQ=WEEKLY;COUNT=5', 'RRULE:FREQ=DAILY;COUNT=3', 'RRULE:FREQ=DAILY;INTERVAL=2').map((line) => [line]);

const eventArb: fc.Arbitrary<CalendarEventEvent> = fc.oneof(
  fc.record({ details: detailsArb, timeZone: zoneArb, range: rangeArb, recurrence: fc.option(recurrenceArb, { nil: undefined }) }).map(({ details, recurrence, range, ...rest }) => ({
    type: 'EventScheduled' as const,
    data: { title: 'Forum', description: '', programme: null, location: { city: 'Seoul', country: 'KR', venue: null }, ...details, ...rest, ...range, ...(recurrence ? { recurrence } : {}) },
  })),
  fc.record({ range: rangeArb, timeZone: zoneArb, reason: fc.constantFrom(null, 'clash') }).map(({ range, ...rest }) => ({ type: 'EventRescheduled' as const, data: { ...range, ...rest } })),
  detailsArb.map((data) => ({ type: 'EventDetailsChanged' as const, data })),
  // As a tampered log could hold it: JSON.parse makes `__proto__` an own key.
  fc.constant(null).map(() => ({ type: 'EventDetailsChanged' as const, data: JSON.parse('{"__proto__":{"title":"x"},"title":"Proto"}') as { title: string } })),
  fc.constantFrom('rain', 'postponed').map((reason) => ({ type: 'EventCancelled' as const, data: { reason } })),
  recurrenceArb.map((recurrence) => ({ type: 'RecurrenceChanged' as const, data: { recurrence, reason: null } })),
  fc.record({ originalStart: timeArb, range: rangeArb }).map(({ originalStart, range }) => ({ type: 'OccurrenceRescheduled' as const, data: { originalStart, ...range, reason: null } })),
  fc.record({ originalStart: timeArb, details: detailsArb }).map(({ originalStart, details }) => ({ type: 'OccurrenceDetailsChanged' as const, data: { originalStart, ...details } })),
  timeArb.map((originalStart) => ({ type: 'OccurrenceCancelled' as const, data: { originalStart, reason: 'rain' } })),
);
/** As the log gives them back: no reference or non-JSON value survives (the `__proto__` key does). */
const eventsArb = fc.array(eventArb, { maxLength: 30, size: 'max' }).map((es) => es.map((e) => ({ type: e.type, data: JSON.parse(JSON.stringify(e.data)) as object }) as CalendarEventEvent));

type Outcome = { state: CalendarEventState } | { error: string };
const outcome = (f: () => CalendarEventState): Outcome => {
  try {
    return { state: f() };
  } catch (err) {
    return { error: `${(err as Error).constructor.name}: ${(err as Error).message}` };
  }
};
const reference = (state: CalendarEventState, events: readonly CalendarEventEvent[]): Outcome => outcome(() => events.reduce(evolve, state));

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

describe('evolveAll', () => {
  it('gives exactly the pure evolve fold (same state, or the same error), never changing its input state or events', () => {
    // What the runs reached: a generator whose folds all threw early would prove little.
    const seen = { long: 0, overrides: 0, errors: 0 };
    fc.assert(
      fc.property(eventsArb, eventsArb, (before, events) => {
        // A state some earlier batch left (frozen: a change in place throws and shows as a difference).
        const start = reference(initialState, before);
        const state = deepFreeze('state' in start ? start.state : initialState);
        deepFreeze(events);
        const got = outcome(() => evolveAll(state, events));
        expect(got).toEqual(reference(state, events));
        expect(isDeepStrictEqual(got, reference(state, events))).toBe(true);
        if (!('state' in got)) seen.errors++;
        else if (events.length >= 10) seen.long++;
        if ('state' in got && Object.keys(got.state.overrides).length > 0) seen.overrides++;
      }),
      { numRuns: 500 },
    );
    expect(seen.long).toBeGreaterThan(50);
    expect(seen.overrides).toBeGreaterThan(10);
    expect(seen.errors).toBeGreaterThan(10);
  });

  it('leaves a state it returned alone when it folds on from it (a stream over two batches)', () => {
    fc.assert(
      fc.property(eventsArb, eventsArb, (first, second) => {
        const one = outcome(() => evolveAll(initialState, first));
        if (!('state' in one)) return;
        const kept = structuredClone(one.state);
        const two = outcome(() => evolveAll(one.state, second));
        expect(one.state).toStrictEqual(kept);
        expect(two).toEqual(reference(initialState, [...first, ...second]));
      }),
      { numRuns: 300 },
    );
  });
});
