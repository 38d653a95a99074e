import type { INestApplicationContext } from '@nestjs/common';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { createWorkerContext } from '../../src/bootstrap';
import { DomainError } from '../../src/common/domain/domain-error';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { CalendarEventRepository } from '../../src/modules/scheduling/calendar-event.repository';
import type { CalendarEventCommand } from '../../src/modules/scheduling/domain/commands';
import { ProjectionRebuilder } from '../../src/projections/projection.rebuilder';
import { ProjectionRegistry } from '../../src/projections/projection.registry';
import { ProjectionRunner } from '../../src/projections/projection.runner';
import { testPrefix } from '../support/run';
import { ParkedStreamsService } from '../../src/projections/parked-streams.service';
import { ReplayService } from '../../src/modules/audit/replay/replay.service';
import { TestDatabase, createTestDatabase } from '../support/database';
import { testConfig } from '../support/worker';
import { waitFor } from '../support/wait';
import { caughtUp, checkpoint, foldCalendar, readCalendar, scheduled } from './fold';
import { createSeenTable, recorder, seenBy } from './recorder';

const meta = { actor: 'prop', correlationId: 'p', causationId: 'p' };

const day = fc.integer({ min: 1, max: 27 }).map((d) => `2032-03-${String(d).padStart(2, '0')}`);
const command: fc.Arbitrary<CalendarEventCommand> = fc.oneof(
  fc.record({ kind: fc.constant('schedule' as const), title: fc.string({ minLength: 1, maxLength: 12 }), day, len: fc.integer({ min: 0, max: 3 }) }).map(({ title, day: d, len }) => ({
    kind: 'schedule' as const,
    title,
    description: '',
    programme: 'education' as const,
    location: { city: 'Ulaanbaatar', country: 'MN', venue: null },
    timeZone: 'Asia/Ulaanbaatar',
    start: { date: d },
    end: { date: `2032-03-${String(Math.min(28, Number(d.slice(8)) + len)).padStart(2, '0')}` },
  })),
  fc.record({ start: fc.integer({ min: 0, max: 23 }), hours: fc.integer({ min: -2, max: 30 }) }).map(({ start, hours }) => ({
    kind: 'reschedule' as const,
    start: { dateTime: `2032-04-01T${String(start).padStart(2, '0')}:00` },
    end: { dateTime: `2032-04-0${1 + Math.floor(Math.max(0, start + hours) / 24)}T${String(Math.max(0, start + hours) % 24).padStart(2, '0')}:00` },
  })),
  fc.record({ title: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }), venue: fc.option(fc.constantFrom('A', 'B'), { nil: undefined }) }).map(({ title, venue }) => ({
    kind: 'change-details' as const,
    ...(title !== undefined ? { title } : {}),
    ...(venue !== undefined ? { location: { venue } } : {}),
  })),
  fc.constant({ kind: 'cancel' as const, reason: 'because' }),
);

describe('rebuild', () => {
  let db: TestDatabase;
  let ctx: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase('rebuild');
    // The `cli` role: the engine without BullMQ workers, so this test drives every batch itself.
    ctx = await createWorkerContext(testConfig(db.url, testPrefix('rebuild')), 'cli');
  });
  afterAll(async () => {
    await ctx.close();
    await db.drop();
  });

  it('property: for random command sequences, a rebuild from position 0 equals the incrementally built model', async () => {
    const repo = ctx.get(CalendarEventRepository);
    const runner = ctx.get(ProjectionRunner);
    const rebuilder = ctx.get(ProjectionRebuilder);
    const calendar = ctx.get(ProjectionRegistry).get('calendar')!;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), command, fc.boolean()), { minLength: 1, maxLength: 25 }), async (steps) => {
        const ids = Array.from({ length: 4 }, () => randomUUID());
        for (const [i, cmd, project] of steps) {
          await repo.execute(ids[i], cmd, { metadata: meta }).catch((err: unknown) => {
            if (!(err instanceof DomainError)) throw err;
          });
          // Apply incrementally, batch by batch, as the live worker does.
          if (project) await runner.catchUp(calendar, 'live', 3);
        }
        // Other databases' transactions on the same server can hold the gap-safe reader back a moment.
        await waitFor('the live model to catch up', async () => (await runner.catchUp(calendar, 'live')) && caughtUp(db.dataSource));
        const incremental = await readCalendar(db.dataSource);
        const report = await rebuilder.rebuild('calendar', { verify: true, batchSize: 7 });
        expect(report.differences).toEqual([]);
        expect(await readCalendar(db.dataSource)).toEqual(incremental);
        expect(incremental).toEqual(await foldCalendar(db.dataSource));
      }),
      { numRuns: 15 },
    );
  }, 120000);

  it('a rebuild bumps the generation and leaves the projection running at the same checkpoint as the log head', async () => {
    const before = (await db.dataSource.query(`SELECT generation FROM projection_checkpoints WHERE name = 'calendar'`))[0].generation;
    await ctx.get(ProjectionRebuilder).rebuild('calendar');
    const after = await db.dataSource.query(`SELECT generation, state FROM projection_checkpoints WHERE name = 'calendar'`);
    expect(after[0]).toEqual({ generation: before + 1, state: 'running' });
    const head = await db.dataSource.query('SELECT max(position)::text AS p FROM events');
    expect((await checkpoint(db.dataSource))!.position).toBe(head[0].p);
    // The replay reads the log lean (recorded_at as epoch milliseconds): each row's updated_at is still its last event's time, to the millisecond.
    const rows = await db.dataSource.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE c.updated_at = date_trunc('milliseconds', e.recorded_at))::int AS same
         FROM calendar_events c JOIN events e ON e.position = c.last_position`,
    );
    expect(rows[0].n).toBeGreaterThan(0);
    expect(rows[0].same).toBe(rows[0].n);
  });

  it("every projection's swapped-in tables have the indexes its live tables had, with the same names and definitions (those built after the replay too)", async () => {
    // Names too: a migration drops or alters an index by the name it gave it, also after a rebuild.
    const indexes = async (tables: readonly string[]): Promise<{ tablename: string; indexname: string; def: string }[]> =>
      db.dataSource.query(
        `SELECT tablename, indexname, regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON ', 'CREATE \\1INDEX ON ') AS def
           FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1) ORDER BY 1, 2`,
        [tables],
      );
    const all = ctx.get(ProjectionRegistry).all();
    const calendar = await indexes(ctx.get(ProjectionRegistry).get('calendar')!.tables);
    // Not vacuous: the kinds a replay defers (GiST, GIN, plain btree) and one it keeps (unique) are there.
    expect(calendar.map((i) => i.def)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('USING gist'),
        expect.stringContaining('USING gin'),
        expect.stringMatching(/^CREATE INDEX .* USING btree/),
        expect.stringMatching(/^CREATE UNIQUE INDEX/),
      ]),
    );
    for (const p of all) {
      const before = await indexes(p.tables);
      const report = await ctx.get(ProjectionRebuilder).rebuild(p.name, { verify: true });
      expect({ projection: p.name, differences: report.differences }).toEqual({ projection: p.name, differences: [] });
      expect({ projection: p.name, indexes: await indexes(p.tables) }).toEqual({ projection: p.name, indexes: before });
    }
  });
});

describe('a failing event', () => {
  let db: TestDatabase;
  let ctx: INestApplicationContext;
  let digestsPoison = false;

  beforeAll(async () => {
    db = await createTestDatabase('failing');
    ctx = await createWorkerContext(testConfig(db.url, testPrefix('failing')), 'cli');
    await createSeenTable(db.dataSource);
  });
  afterAll(async () => {
    await ctx.close();
    await db.drop();
  });

  const seen = (name: string) => seenBy(db.dataSource, name);
  const parkedRows = async (name: string) =>
    db.dataSource.query('SELECT stream_id, position::text AS position, error FROM projection_parked WHERE projection = $1', [name]) as Promise<
      { stream_id: string; position: string; error: string }[]
    >;

  it('parks that stream at the event, with its error and position; later events of the stream wait, every other stream and projection goes on; a retry after a fix applies them in order', async () => {
    const store = ctx.get(PostgresEventStore);
    const runner = ctx.get(ProjectionRunner);
    const one = await store.append(
      'thing-1',
      0,
      [
        { type: 'Good', data: {} },
        { type: 'Good', data: {} },
      ],
      meta,
    );
    const poison = await store.append('thing-2', 0, [{ type: 'Poison', data: {} }], meta);
    const behind = await store.append('thing-2', 1, [{ type: 'Good', data: {} }], meta);
    const three = await store.append('thing-3', 0, [{ type: 'Good', data: {} }], meta);

    const strict = recorder('strict', () => !digestsPoison);
    const tolerant = recorder('tolerant');
    for (const p of [strict, tolerant]) {
      await waitFor(`${p.name} to catch up`, async () => {
        const r = await runner.catchUp(p, 'live');
        expect(r.stopped).toBe(false);
        return caughtUp(db.dataSource, p.name);
      });
    }

    expect(await checkpoint(db.dataSource, 'strict')).toMatchObject({ state: 'running' });
    const parked = await parkedRows('strict');
    expect(parked).toEqual([{ stream_id: 'thing-2', position: poison.position, error: expect.stringContaining('cannot digest this') }]);
    // thing-1 and thing-3 applied; thing-2's good event waits behind its poison.
    expect((await seen('strict')).map((r) => r.position)).toEqual([...one.events.map((e) => e.position), three.position]);
    expect(await seen('tolerant')).toHaveLength(5);
    expect(await parkedRows('tolerant')).toEqual([]);

    // No endless retry: running again applies nothing and keeps the stream parked with its error.
    const again = await runner.catchUp(strict, 'live');
    expect(again).toEqual({ applied: 0, read: 0, stopped: false });
    // A later event of the parked stream keeps waiting; another stream's is applied.
    const four = await store.append('thing-4', 0, [{ type: 'Good', data: {} }], meta);
    await waitFor('strict to apply thing-4', async () => (await runner.catchUp(strict, 'live')) && caughtUp(db.dataSource, 'strict'));
    expect((await seen('strict')).map((r) => r.position)).toContain(four.position);
    expect((await seen('strict')).map((r) => r.position)).not.toContain(behind.position);

    // Still broken: a retry keeps it parked on the same event, saying why.
    const failed = await ctx.get(ParkedStreamsService).retry(strict);
    expect(failed).toEqual([{ stream: 'thing-2', applied: 0, parked: { position: poison.position, error: expect.stringContaining('cannot digest this') } }]);
    // Fixed: the retry applies the stream's events in order and releases it.
    digestsPoison = true;
    const fixed = await ctx.get(ParkedStreamsService).retry(strict);
    expect(fixed).toEqual([{ stream: 'thing-2', applied: 2, parked: null }]);
    expect(await parkedRows('strict')).toEqual([]);
    expect((await seen('strict')).filter((r) => r.stream === 'thing-2').map((r) => r.position)).toEqual([poison.position, behind.position]);
    digestsPoison = false;
  });

  it('the calendar: a rebuild parks the same stream; a skip is an audited event in the log that the live model and every later rebuild honour', async () => {
    const store = ctx.get(PostgresEventStore);
    const runner = ctx.get(ProjectionRunner);
    const calendar = ctx.get(ProjectionRegistry).get('calendar')!;
    const [bad, good] = [randomUUID(), randomUUID()];
    const event = (start: string) => ({ ...scheduled('x', 1), data: { ...scheduled('x', 1).data, start: { date: start }, end: { date: start } } });
    // Written past the domain (as an older version could have): PostgreSQL has no year 0.
    const poison = await store.append(`calendar-event-${bad}`, 0, [event('0000-01-01')], meta);
    const later = await store.append(`calendar-event-${bad}`, 1, [{ type: 'EventDetailsChanged', data: { title: 'renamed' } }], meta);
    await store.append(`calendar-event-${good}`, 0, [event('2030-05-01')], meta);
    await waitFor('the calendar to catch up', async () => (await runner.catchUp(calendar, 'live')) && caughtUp(db.dataSource));
    expect((await parkedRows('calendar')).map((r) => [r.stream_id, r.position])).toEqual([[`calendar-event-${bad}`, poison.position]]);
    expect((await readCalendar(db.dataSource)).map((r) => r.id)).toEqual([good]);

    // A rebuild meets the same event and parks the same stream (listed under the live name).
    await ctx.get(ProjectionRebuilder).rebuild('calendar');
    expect((await parkedRows('calendar')).map((r) => r.position)).toEqual([poison.position]);

    const r = await ctx.get(ParkedStreamsService).skip(calendar, poison.position, 'typo: year 0000', { actor: 'root', correlationId: 'c', causationId: 'c' });
    // The change behind it is now applied on its own, and cannot be either (nothing was scheduled): parked on it.
    expect(r.resumed).toEqual({ stream: `calendar-event-${bad}`, applied: 0, parked: { position: later.position, error: expect.stringContaining('before EventScheduled') } });
    const decision = (await store.readStream('projection-calendar'))[0];
    expect(decision).toMatchObject({
      type: 'ProjectionEventSkipped',
      data: { projection: 'calendar', position: poison.position, streamId: `calendar-event-${bad}`, reason: 'typo: year 0000' },
      metadata: { actor: 'root' },
    });
    await ctx.get(ParkedStreamsService).skip(calendar, later.position, 'follows the typo', { actor: 'root', correlationId: 'c', causationId: 'c' });
    expect(await parkedRows('calendar')).toEqual([]);
    const view = await readCalendar(db.dataSource);

    await ctx.get(ProjectionRebuilder).rebuild('calendar', { verify: true });
    expect(await parkedRows('calendar')).toEqual([]);
    expect(await readCalendar(db.dataSource)).toEqual(view);
  });

  it('a replay parks the same stream (listed in its schema) and honours skip decisions, instead of failing', async () => {
    const replay = ctx.get(ReplayService);
    const store = ctx.get(PostgresEventStore);
    const id = randomUUID();
    const poison = await store.append(`calendar-event-${id}`, 0, [{ ...scheduled('x', 2), data: { ...scheduled('x', 2).data, start: { date: '0000-01-01' }, end: { date: '0000-01-01' } } }], meta);
    const report = await replay.replay({ until: new Date(Date.now() + 60_000), projections: ['calendar'], schema: `replay_parked_${randomUUID().slice(0, 8)}` });
    const parked: { stream_id: string; position: string; error: string }[] = await db.dataSource.query(
      `SELECT stream_id, position::text AS position, error FROM ${report.schema}.replay_parked ORDER BY position`,
    );
    // Only this stream: the one of the test above is not parked, its two events were skipped by decisions in the log.
    expect(parked.map((r) => r.stream_id)).toEqual([`calendar-event-${id}`]);
    expect(parked[0]).toMatchObject({ position: poison.position, error: expect.stringMatching(/timestamp with time zone|out of range/) });
    expect(report.parked).toBe(1);
    await db.dataSource.query(`DROP SCHEMA ${report.schema} CASCADE`);
  });
});
