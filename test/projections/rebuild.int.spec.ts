import type { INestApplicationContext } from '@nestjs/common';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { createWorkerContext } from '../../src/bootstrap';
import { DomainError } from '../../src/common/domain/domain-error';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { CalendarEventRepository } from '../../src/modules/scheduling/calendar-event.repository';
import type { CalendarEventCommand } from '../../src/modules/scheduling/domain/commands';
import { Projection } from '../../src/projections/projection';
import { ProjectionRebuilder } from '../../src/projections/projection.rebuilder';
import { ProjectionRegistry } from '../../src/projections/projection.registry';
import { ProjectionRunner } from '../../src/projections/projection.runner';
import { testPrefix } from '../support/run';
import { TestDatabase, createTestDatabase } from '../support/database';
import { testConfig } from '../support/worker';
import { waitFor } from '../support/wait';
import { caughtUp, checkpoint, foldCalendar, readCalendar } from './fold';

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
  });
});

describe('a failing event', () => {
  let db: TestDatabase;
  let ctx: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase('failing');
    ctx = await createWorkerContext(testConfig(db.url, testPrefix('failing')), 'cli');
    await db.dataSource.query('CREATE TABLE seen (position bigint PRIMARY KEY)');
  });
  afterAll(async () => {
    await ctx.close();
    await db.drop();
  });

  /** A projection that records every position it applies, and refuses events of type `Poison`. */
  const recorder = (name: string, refuses: boolean): Projection => ({
    name,
    eventTypes: ['Good', 'Poison'],
    tables: ['seen'],
    async apply(c, e) {
      if (refuses && e.type === 'Poison') throw new Error('cannot digest this');
      if (name === 'tolerant') await c.tx.query(`INSERT INTO ${c.table('seen')} (position) VALUES ($1)`, [e.position]);
    },
  });

  it('stops that projection at the event, with its error and position visible, and the other projection goes on', async () => {
    const store = ctx.get(PostgresEventStore);
    const runner = ctx.get(ProjectionRunner);
    await store.append('thing-1', 0, [{ type: 'Good', data: {} }, { type: 'Good', data: {} }], meta);
    const poison = await store.append('thing-2', 0, [{ type: 'Poison', data: {} }], meta);
    await store.append('thing-3', 0, [{ type: 'Good', data: {} }], meta);

    const strict = recorder('strict', true);
    const tolerant = recorder('tolerant', false);
    const s = await waitFor('the strict projection to stop', async () => {
      const r = await runner.catchUp(strict, 'live');
      return r.stopped ? r : undefined;
    });
    await waitFor('the tolerant projection to catch up', async () => (await runner.catchUp(tolerant, 'live')) && caughtUp(db.dataSource, 'tolerant'));

    expect(s.stopped).toBe(true);
    const row = await checkpoint(db.dataSource, 'strict');
    expect(row!.state).toBe('failed');
    const detail = await db.dataSource.query(`SELECT last_error, failed_position::text AS failed_position, position::text AS position FROM projection_checkpoints WHERE name = 'strict'`);
    expect(detail[0].failed_position).toBe(poison.position);
    expect(detail[0].last_error).toContain('cannot digest this');
    // Stopped right before the poison event: the two good events before it are applied.
    expect(BigInt(detail[0].position)).toBeLessThan(BigInt(poison.position));

    expect(await checkpoint(db.dataSource, 'tolerant')).toMatchObject({ state: 'running' });
    expect((await db.dataSource.query('SELECT count(*)::int AS n FROM seen'))[0].n).toBe(4);

    // No endless retry: running again applies nothing and keeps the error visible.
    const again = await runner.catchUp(strict, 'live');
    expect(again).toEqual({ applied: 0, read: 0, stopped: true });
  });
});
