import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { createWorkerContext } from '../../src/bootstrap';
import { EventStore } from '../../src/events/event-store.port';
import { QUEUES } from '../../src/jobs/catalog';
import { RedisClient } from '../../src/jobs/redis-client';
import { LocalProjectionWakes } from '../../src/projections/local-wakes';
import { ProjectionCatchUp } from '../../src/projections/projection.catch-up';
import { ProjectionRegistry } from '../../src/projections/projection.registry';
import { ProjectionRunner } from '../../src/projections/projection.runner';
import { ALL_PROJECTIONS, ProjectionWaker } from '../../src/projections/projection.waker';
import { CALENDAR_EVENT_STREAM_PREFIX } from '../../src/modules/scheduling/domain/events';
import { testPrefix } from '../support/run';
import { TestDatabase, createTestDatabase } from '../support/database';
import { testConfig } from '../support/worker';
import { waitFor } from '../support/wait';
import { caughtUp, scheduled } from './fold';

const meta = { actor: 'test', correlationId: 'c', causationId: 'c' };

/**
 * `all` wakes its worker thread's projections with a message, not through Redis: an append in
 * this process brings every projection up with no BullMQ worker running and no job queued.
 */
describe('projections woken inside the process', () => {
  let db: TestDatabase;
  let ctx: INestApplicationContext;
  let wakes: LocalProjectionWakes;

  beforeAll(async () => {
    db = await createTestDatabase('localwake');
    // The `cli` role: no BullMQ workers, so only the in-process wake-up can project anything.
    ctx = await createWorkerContext(testConfig(db.url, testPrefix('localwake')), 'cli');
    const catchUp = new ProjectionCatchUp(ctx.get(ProjectionRegistry), ctx.get(ProjectionRunner), ctx.get(DataSource), ctx.get(EventStore));
    wakes = new LocalProjectionWakes(catchUp, ctx.get(ProjectionWaker));
    ctx.get(ProjectionWaker).wakeLocally(() => wakes.wake());
  });
  afterAll(async () => {
    await wakes?.onModuleDestroy();
    await ctx?.close();
    await db?.drop();
  });

  const everyProjectionCaughtUp = async () => {
    for (const p of ctx.get(ProjectionRegistry).all()) if (!(await caughtUp(db.dataSource, p.name))) return false;
    return true;
  };

  it('given no worker process, when an event is appended, then every projection applies it, and nothing went through the queue (no job, no flag)', async () => {
    const store = ctx.get(EventStore);
    const id = randomUUID();
    const r = await store.append(`${CALENDAR_EVENT_STREAM_PREFIX}${id}`, 0, [scheduled('woken in the process', 1)], meta);
    await waitFor('every projection to apply the event', everyProjectionCaughtUp, 10000, 10);
    const rows: { id: string }[] = await db.dataSource.query('SELECT id FROM calendar_events WHERE id = $1', [id]);
    expect(rows).toHaveLength(1);
    expect(BigInt(r.position)).toBeGreaterThan(0n);
    const queue = ctx.get<Queue>(getQueueToken(QUEUES.projections), { strict: false });
    expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toEqual({ waiting: 0, active: 0, delayed: 0, prioritized: 0 });
    expect(await ctx.get(RedisClient).redis.get(ctx.get(ProjectionWaker).dirtyKey(ALL_PROJECTIONS))).toBeNull();
  });

  it('given appends that keep arriving while a run is under way, when they have committed, then the run (or the one more it folds them into) applies every one of them', async () => {
    const store = ctx.get(EventStore);
    const ids = Array.from({ length: 21 }, () => randomUUID());
    // Held on a lock, the first run is still under way while the others append and wake.
    const blocker = db.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    try {
      await blocker.query('LOCK TABLE calendar_events IN EXCLUSIVE MODE');
      await store.append(`${CALENDAR_EVENT_STREAM_PREFIX}${ids[0]}`, 0, [scheduled('burst 0', 2)], meta);
      await waitFor('the run to wait on the lock', async () => {
        const r: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'calendar_events'::regclass AND NOT granted`);
        return r[0].n >= 1;
      });
      for (let i = 1; i <= 20; i++) await store.append(`${CALENDAR_EVENT_STREAM_PREFIX}${ids[i]}`, 0, [scheduled(`burst ${i}`, i)], meta);
    } finally {
      await blocker.commitTransaction();
      await blocker.release();
    }
    await waitFor('every projection to apply the burst', everyProjectionCaughtUp, 10000, 10);
    const rows: { n: number }[] = await db.dataSource.query('SELECT count(*)::int AS n FROM calendar_events WHERE id = ANY($1::uuid[])', [ids]);
    expect(rows[0].n).toBe(21);
  });
});
