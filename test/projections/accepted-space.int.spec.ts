import type { INestApplicationContext } from '@nestjs/common';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { testPrefix } from '../support/run';
import { createWorkerContext } from '../../src/bootstrap';
import { DomainError } from '../../src/common/domain/domain-error';
import { CalendarEventRepository } from '../../src/modules/scheduling/calendar-event.repository';
import type { CalendarEventCommand } from '../../src/modules/scheduling/domain/commands';
import { PROGRAMMES } from '../../src/modules/scheduling/domain/events';
import { LIMITS } from '../../src/modules/scheduling/domain/limits';
import { ProjectionRegistry } from '../../src/projections/projection.registry';
import { ProjectionRunner } from '../../src/projections/projection.runner';
import { TestDatabase, createTestDatabase } from '../support/database';
import { testConfig } from '../support/worker';
import { waitFor } from '../support/wait';
import { caughtUp, foldCalendar, readCalendar } from './fold';

/**
 * Accepted means projectable: every command the domain accepts, drawn from the whole accepted
 * space, is applied by every projection against the real PostgreSQL. The seed is fixed (override
 * with PROPERTY_SEED); fast-check prints it, with the shrunk counterexample, on failure.
 */
const SEED = Number(process.env.PROPERTY_SEED ?? 20261130);
const meta = { actor: 'prop', correlationId: 'p', causationId: 'p' };

const ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone')];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Cuts to `max` UTF-16 units without splitting a surrogate pair. */
const fit = (s: string, max: number): string => {
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
};
/** Any Unicode text (astral planes included), without the characters the limits refuse. */
const text = (max: number, multiline = false) =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: Math.min(max, 80) }) },
      { weight: 1, arbitrary: fc.constantFrom('x'.repeat(max), '\u{1F4C5}'.repeat(Math.floor(max / 2)), `\u{20BB7}${'é'.repeat(max - 2)}`, 'Ꙭ'.repeat(max)) },
    )
    .map((s) => fit(s.replace(multiline ? /(?![\t\n])\p{Cc}/gu : /\p{Cc}/gu, ''), max))
    .filter((s) => s.trim() !== '');

const year = fc.oneof(fc.constantFrom(1000, 1001, 1582, 1883, 1970, 2038, 9997, 9998), fc.integer({ min: 1000, max: 9998 }));
const date = fc.record({ y: year, m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) }).map(({ y, m, d }) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`);
// Hours 0–3 of March, October and November days are where zones change their clocks.
const dstEdge = fc
  .record({ y: fc.integer({ min: 1900, max: 2100 }), m: fc.constantFrom(3, 4, 9, 10, 11), d: fc.integer({ min: 1, max: 31 }), h: fc.integer({ min: 0, max: 3 }), mi: fc.constantFrom(0, 30, 59) })
  .map(({ y, m, d, h, mi }) => `${y}-${pad(m)}-${pad(d)}T${pad(h)}:${pad(mi)}`);
const dateTime = fc.oneof(
  dstEdge,
  fc.constantFrom('1000-01-01T00:00', '1000-01-01T00:00:00', '9998-12-31T23:59:59', '9998-12-31T23:59'),
  fc
    .record({ day: date, h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.option(fc.integer({ min: 0, max: 59 })) })
    .map(({ day, h, mi, s }) => `${day}T${pad(h)}:${pad(mi)}${s === null ? '' : `:${pad(s)}`}`),
);
const range = fc.oneof(
  fc.tuple(date, date).map(([a, b]) => (a <= b ? [{ date: a }, { date: b }] : [{ date: b }, { date: a }])),
  fc.constant([{ date: '1000-01-01' }, { date: '9998-12-31' }]),
  fc.tuple(dateTime, dateTime).map(([a, b]) => (a <= b ? [{ dateTime: a }, { dateTime: b }] : [{ dateTime: b }, { dateTime: a }])),
  dstEdge.map((a) => [{ dateTime: a }, { dateTime: a }]),
) as fc.Arbitrary<[{ date: string } | { dateTime: string }, { date: string } | { dateTime: string }]>;

const location = fc.record({ city: text(LIMITS.city), country: fc.constantFrom('KR', 'CN', 'MN', 'US', 'NZ', 'KI', 'AQ'), venue: fc.option(text(LIMITS.venue)) });

const schedule: fc.Arbitrary<CalendarEventCommand> = fc
  .record({
    title: text(LIMITS.title),
    description: fc.oneof(fc.constant(''), text(LIMITS.description, true)),
    programme: fc.option(fc.constantFrom(...PROGRAMMES)),
    location,
    timeZone: fc.constantFrom(...ZONES),
    range,
  })
  .map(({ range: [start, end], ...rest }) => ({ kind: 'schedule' as const, ...rest, start, end }));
const later: fc.Arbitrary<CalendarEventCommand> = fc.oneof(
  fc
    .record({ range, timeZone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }), reason: fc.option(text(LIMITS.reason)) })
    .map(({ range: [start, end], ...rest }) => ({ kind: 'reschedule' as const, start, end, ...rest })),
  fc
    .record({ title: text(LIMITS.title), description: text(LIMITS.description, true), location: location.map((l) => ({ city: l.city, venue: l.venue })) }, { requiredKeys: [] })
    .map((c) => ({ kind: 'change-details' as const, ...c })),
  text(LIMITS.reason).map((reason) => ({ kind: 'cancel' as const, reason })),
);

describe('accepted means projectable', () => {
  let db: TestDatabase;
  let ctx: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase('accepted');
    ctx = await createWorkerContext(testConfig(db.url, testPrefix('accepted')), 'cli');
  });
  afterAll(async () => {
    await ctx.close();
    await db.drop();
  });

  it('property: every projection applies every command the domain accepts (extreme dates, every IANA zone, longest and astral text, DST edges)', async () => {
    const repo = ctx.get(CalendarEventRepository);
    const runner = ctx.get(ProjectionRunner);
    const projections = ctx.get(ProjectionRegistry).all();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(schedule, fc.array(later, { maxLength: 3 }), async (first, rest) => {
        const id = randomUUID();
        for (const cmd of [first, ...rest]) {
          try {
            await repo.execute(id, cmd, { metadata: meta });
            accepted++;
          } catch (err) {
            // Refused is fine (a gap in a zone, end before start, a cancelled event): only what is accepted must project.
            if (!(err instanceof DomainError)) throw err;
          }
        }
        for (const p of projections) {
          // Transaction ids are the server's: another database's long transaction holds the gap-safe reader back too.
          await waitFor(
            `${p.name} to apply the log`,
            async () => {
              const r = await runner.catchUp(p, 'live');
              expect(r.stopped).toBe(false);
              return caughtUp(db.dataSource, p.name);
            },
            60_000,
          );
        }
        // Nothing parked, nothing stopped: every projection applied every event.
        const parked: { stream_id: string; error: string }[] = await db.dataSource.query('SELECT projection, stream_id, error FROM projection_parked');
        expect(parked).toEqual([]);
        const stopped: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM projection_checkpoints WHERE state <> 'running' OR last_error IS NOT NULL`);
        expect(stopped[0].n).toBe(0);
      }),
      { seed: SEED, numRuns: Number(process.env.PROPERTY_RUNS ?? 150), endOnFailure: true },
    );
    // Every accepted command is in the calendar view as the domain folds it, and in the history.
    expect(await readCalendar(db.dataSource)).toEqual(await foldCalendar(db.dataSource));
    const history: { n: number }[] = await db.dataSource.query('SELECT count(*)::int AS n FROM calendar_history');
    const log: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM events WHERE stream_id LIKE 'calendar-event-%'`);
    expect(history[0].n).toBe(log[0].n);
    expect(accepted).toBeGreaterThan(150);
  });
});
