import fc from 'fast-check';
import { DateTime } from 'luxon';
import { DomainError } from '../../../common/domain/domain-error';
import { fold } from '../../../events/aggregate';
import type { StoredEvent } from '../../../events/envelope';
import { CalendarEventState, calendarEventDecider, decide, evolve, initialState } from './calendar-event';
import type { CalendarEventCommand, ChangeEventDetails, RescheduleEvent, ScheduleEvent } from './commands';
import type { CalendarEventErrorCode } from './errors';
import { PROGRAMMES, type CalendarEventEvent, type Location } from './events';
import type { EventTime } from './time';

// ---------------------------------------------------------------------------------------------
// Generators: one stream, random commands. Values come from small pools so that "identical"
// changes and no-op reschedules happen often; times cluster around DST changes so that gaps,
// ambiguous hours and end-before-start ranges are all exercised.
// ---------------------------------------------------------------------------------------------

const ZONES = ['UTC', 'Asia/Seoul', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Ulaanbaatar'] as const;
const INVALID_ZONE = 'Atlantis/Lost_City';

/** Days near DST changes in the zones above (New York, Lord Howe, Chatham), plus ordinary days. */
const ANCHOR_DAYS = ['2026-03-08', '2026-11-01', '2026-10-04', '2026-04-05', '2026-09-27', '2026-06-15', '2013-10-22'];

const zoneArb = fc.oneof({ arbitrary: fc.constantFrom(...ZONES), weight: 9 }, { arbitrary: fc.constant(INVALID_ZONE), weight: 1 });

type Range = { start: EventTime; end: EventTime; zone?: string };

const wallClock = (day: string, minuteOfDay: number, minutes: number, withSeconds: boolean): Range => {
  // Naive wall-clock arithmetic (in UTC, which has no gaps): the event's zone is applied later.
  const start = DateTime.fromISO(day, { zone: 'UTC' }).plus({ minutes: minuteOfDay });
  const format = withSeconds ? "yyyy-LL-dd'T'HH:mm:ss" : "yyyy-LL-dd'T'HH:mm";
  return { start: { dateTime: start.toFormat(format) }, end: { dateTime: start.plus({ minutes }).toFormat(format) } };
};

/** DST changes together with their zone: spring-forward gaps and fall-back repeated hours. */
const DST_CHANGES = [
  { zone: 'America/New_York', day: '2026-03-08' },
  { zone: 'America/New_York', day: '2026-11-01' },
  { zone: 'Australia/Lord_Howe', day: '2026-10-04' },
  { zone: 'Australia/Lord_Howe', day: '2026-04-05' },
  { zone: 'Pacific/Chatham', day: '2026-09-27' },
  { zone: 'Pacific/Chatham', day: '2026-04-05' },
];

/** A start/end pair, optionally tied to a zone; negative lengths and mixed forms are deliberately generated. */
const rangeArb: fc.Arbitrary<Range> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ anchor: fc.constantFrom(...ANCHOR_DAYS), shift: fc.integer({ min: -2, max: 2 }), days: fc.integer({ min: -2, max: 5 }) }).map(({ anchor, shift, days }) => {
      const first = DateTime.fromISO(anchor, { zone: 'UTC' }).plus({ days: shift });
      return { start: { date: first.toISODate()! }, end: { date: first.plus({ days }).toISODate()! } };
    }),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...ANCHOR_DAYS),
        fc.integer({ min: 0, max: 24 * 4 - 1 }).map((q) => q * 15),
        fc.integer({ min: -90, max: 600 }),
        fc.boolean(),
      )
      .map((args) => wallClock(...args)),
  },
  {
    // Around a DST change, in the zone that has it: gaps are refused, repeated hours accepted.
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...DST_CHANGES),
        fc.integer({ min: 4, max: 16 }).map((q) => q * 15),
        fc.integer({ min: -60, max: 180 }),
        fc.boolean(),
      )
      .map(([{ zone, day }, minuteOfDay, minutes, withSeconds]) => ({ ...wallClock(day, minuteOfDay, minutes, withSeconds), zone })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...ANCHOR_DAYS).map((d) => ({ start: { date: d }, end: { dateTime: `${d}T12:00` } })),
  },
);

const titleArb = fc.constantFrom('Forum', 'Workshop', 'Festival');
const descriptionArb = fc.constantFrom('', 'An event.', 'Another description.');
const programmeArb = fc.constantFrom(null, ...PROGRAMMES.slice(0, 2));
const cityArb = fc.constantFrom('Seoul', 'Paris');
const countryArb = fc.constantFrom('KR', 'FR');
const venueArb = fc.constantFrom<string | null>(null, 'Main Hall', 'Annex');
const locationArb: fc.Arbitrary<Location> = fc.record({ city: cityArb, country: countryArb, venue: venueArb });

const scheduleArb: fc.Arbitrary<ScheduleEvent> = fc
  .record({ title: titleArb, description: descriptionArb, programme: programmeArb, location: locationArb, timeZone: zoneArb, range: rangeArb })
  .map(({ range: { zone, start, end }, ...rest }) => ({ kind: 'schedule', ...rest, timeZone: zone ?? rest.timeZone, start, end }));

const rescheduleArb: fc.Arbitrary<RescheduleEvent> = fc
  .record({ range: rangeArb, timeZone: zoneArb, reason: fc.constantFrom<string | null>(null, 'clash') }, { requiredKeys: ['range'] })
  .map(({ range: { zone, start, end }, ...rest }) => ({ kind: 'reschedule', ...rest, ...(zone ? { timeZone: zone } : {}), start, end }));

const changeArb: fc.Arbitrary<ChangeEventDetails> = fc
  .record(
    {
      title: titleArb,
      description: descriptionArb,
      programme: programmeArb,
      location: fc.record({ city: cityArb, country: countryArb, venue: venueArb }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  )
  .map((fields) => ({ kind: 'change-details', ...fields }));

const cancelArb: fc.Arbitrary<CalendarEventCommand> = fc.constantFrom('rain', 'no speakers').map((reason) => ({ kind: 'cancel', reason }));

const commandArb: fc.Arbitrary<CalendarEventCommand> = fc.oneof(
  { arbitrary: scheduleArb, weight: 3 },
  { arbitrary: rescheduleArb, weight: 5 },
  { arbitrary: changeArb, weight: 4 },
  { arbitrary: cancelArb, weight: 1 },
);

/** Most runs start with a schedule, so the interesting part of the lifecycle is reached. */
const commandsArb = fc.oneof(
  { arbitrary: fc.tuple(scheduleArb, fc.array(commandArb, { maxLength: 25 })).map(([first, rest]) => [first, ...rest]), weight: 4 },
  { arbitrary: fc.array(commandArb, { maxLength: 25 }), weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// Running commands the way the app does: decide, skip on a DomainError, else append + evolve.
// ---------------------------------------------------------------------------------------------

interface LoggedEvent {
  version: number;
  position: string;
  event: CalendarEventEvent;
}

interface Step {
  command: CalendarEventCommand;
  /** Was an EventCancelled already in the log when the command arrived? */
  afterCancel: boolean;
  refused: CalendarEventErrorCode | null;
  appended: CalendarEventEvent[];
  state: CalendarEventState;
}

interface Run {
  log: LoggedEvent[];
  steps: Step[];
  state: CalendarEventState;
}

function run(commands: CalendarEventCommand[]): Run {
  const log: LoggedEvent[] = [];
  const steps: Step[] = [];
  let state = initialState;
  let version = 0;
  for (const command of commands) {
    const afterCancel = log.some((l) => l.event.type === 'EventCancelled');
    let decided: CalendarEventEvent[];
    try {
      decided = decide(state, command);
    } catch (err) {
      // Only domain refusals are expected; anything else (TypeError, TimeRuleError) is a bug.
      if (!(err instanceof DomainError)) throw err;
      steps.push({ command, afterCancel, refused: err.code as CalendarEventErrorCode, appended: [], state });
      continue;
    }
    for (const event of decided) {
      version += 1;
      log.push({ version, position: String(1000 + version), event });
      state = evolve(state, event);
    }
    steps.push({ command, afterCancel, refused: null, appended: decided, state });
  }
  return { log, steps, state };
}

function stored(log: LoggedEvent[]): StoredEvent[] {
  return log.map(({ version, position, event }) => ({
    id: `evt-${version}`,
    position,
    transactionId: position,
    streamId: 'calendar-event-prop',
    version,
    type: event.type,
    schemaVersion: 1,
    // As read back from jsonb: a state that kept a reference or a non-JSON value would differ.
    data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>,
    metadata: { actor: 'system', correlationId: 'prop', causationId: 'prop' },
    recordedAt: new Date(0),
    prevHash: '',
    hash: '',
  }));
}

const NUM_RUNS = 200;
const property = (check: (r: Run) => void) =>
  fc.assert(
    fc.property(commandsArb, (commands) => check(run(commands))),
    { numRuns: NUM_RUNS },
  );

describe('CalendarEvent stream properties (random command sequences)', () => {
  it('only domain refusals are ever thrown, and every VALIDATION_FAILED names a field', () => {
    fc.assert(
      fc.property(commandsArb, (commands) => {
        let state = initialState;
        for (const command of commands) {
          try {
            state = decide(state, command).reduce(evolve, state);
          } catch (err) {
            expect(err).toBeInstanceOf(DomainError);
            const e = err as DomainError<CalendarEventErrorCode>;
            if (e.code === 'VALIDATION_FAILED') {
              expect(e.kind).toBe('invalid');
              expect(e.field).toEqual(expect.any(String));
            }
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the log starts with the one and only EventScheduled', () => {
    property(({ log }) => {
      const scheduledAt = log.flatMap((l, i) => (l.event.type === 'EventScheduled' ? [i] : []));
      expect(scheduledAt).toEqual(log.length === 0 ? [] : [0]);
    });
  });

  it('cancellation is final: nothing is appended after EventCancelled and later commands are refused', () => {
    property(({ log, steps }) => {
      const cancelledAt = log.findIndex((l) => l.event.type === 'EventCancelled');
      if (cancelledAt >= 0) expect(cancelledAt).toBe(log.length - 1);
      for (const step of steps.filter((s) => s.afterCancel)) {
        expect(step.appended).toEqual([]);
        expect(step.refused).toBe(step.command.kind === 'schedule' ? 'EVENT_ALREADY_EXISTS' : 'EVENT_CANCELLED');
      }
    });
  });

  it('the log never holds two EventCancelled', () => {
    property(({ log }) => {
      expect(log.filter((l) => l.event.type === 'EventCancelled').length).toBeLessThanOrEqual(1);
    });
  });

  it("the folded status is 'cancelled' iff the log holds EventCancelled", () => {
    property(({ log, state }) => {
      const hasCancel = log.some((l) => l.event.type === 'EventCancelled');
      expect(state.status === 'cancelled').toBe(hasCancel);
      expect(state.status === 'absent').toBe(log.length === 0);
    });
  });

  it('commands on an absent event other than schedule are EVENT_NOT_FOUND', () => {
    property(({ steps }) => {
      let absent = true;
      for (const step of steps) {
        if (absent && step.command.kind !== 'schedule') expect(step.refused).toBe('EVENT_NOT_FOUND');
        absent = step.state.status === 'absent';
      }
    });
  });

  it('every state reached has endsAt >= startsAt', () => {
    property(({ steps }) => {
      for (const { state } of steps) {
        if (state.status === 'absent') continue;
        expect(state.instants).not.toBeNull();
        const { startsAt, endsAt } = state.instants!;
        expect(Date.parse(endsAt)).toBeGreaterThanOrEqual(Date.parse(startsAt));
        // All-day events are at least one (possibly DST-shortened) day long.
        if ('date' in state.start!) expect(Date.parse(endsAt) - Date.parse(startsAt)).toBeGreaterThanOrEqual(22 * 3_600_000);
      }
    });
  });

  it('a no-op reschedule (current start, end and zone) always yields []', () => {
    property(({ steps }) => {
      for (const { state } of steps) {
        if (state.status !== 'scheduled') continue;
        const start = state.start!;
        const end = state.end!;
        expect(decide(state, { kind: 'reschedule', start, end, timeZone: state.timeZone })).toEqual([]);
        expect(decide(state, { kind: 'reschedule', start, end, reason: 'nothing really' })).toEqual([]);
        // The same wall clock written with seconds is still the same time.
        const withSeconds = (t: EventTime): EventTime => ('dateTime' in t && t.dateTime.length === 16 ? { dateTime: `${t.dateTime}:00` } : t);
        expect(decide(state, { kind: 'reschedule', start: withSeconds(start), end: withSeconds(end) })).toEqual([]);
      }
    });
  });

  it('a change-details that repeats the current details always yields []', () => {
    property(({ steps }) => {
      for (const { state } of steps) {
        if (state.status !== 'scheduled') continue;
        expect(decide(state, { kind: 'change-details', ...state.details! })).toEqual([]);
      }
    });
  });

  it('an accepted change-details records only fields that differ from the state before it', () => {
    property(({ steps }) => {
      let before = initialState;
      for (const step of steps) {
        for (const event of step.appended) {
          if (event.type !== 'EventDetailsChanged') continue;
          expect(Object.keys(event.data).length).toBeGreaterThan(0);
          for (const [field, value] of Object.entries(event.data)) {
            expect(value).not.toEqual(before.details![field as keyof typeof event.data]);
          }
        }
        before = step.state;
      }
    });
  });

  it('folding the stored log (JSON, as read back) from scratch equals the incrementally evolved state', () => {
    property(({ log, state }) => {
      const loaded = fold(calendarEventDecider, stored(log));
      expect(loaded.state).toEqual(state);
      expect(loaded.version).toBe(log.length);
      expect(loaded.position).toBe(log.length === 0 ? '0' : log[log.length - 1].position);
    });
  });
});
