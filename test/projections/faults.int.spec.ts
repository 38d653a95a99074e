import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EventStore } from '../../src/events/event-store.port';
import { TestApp, http, startTestApp } from '../support/app';
import { testPrefix } from '../support/run';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';
import { caughtUp, checkpoint, foldCalendar, readCalendar, rescheduled, scheduled } from './fold';

const MAIN = resolve(__dirname, '../../dist/main.js');
const meta = { actor: 'test', correlationId: 'c', causationId: 'c' };

function spawnWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [MAIN, 'worker'], { env: { ...process.env, ...env, LOG_LEVEL: 'silent', NODE_ENV: 'test' }, stdio: 'ignore' });
}

async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}

describe('a worker process killed mid-batch', () => {
  let db: TestDatabase;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: `npm test` builds it first (pretest)');
    db = await createTestDatabase('kill');
  });
  afterAll(async () => {
    for (const c of children) await kill(c);
    await db.drop();
  });

  it('given SIGKILL during projection, the read model matches its checkpoint exactly; after restart it equals the fold of the log', async () => {
    // Write 6,000 events while no worker runs, so the worker has a backlog to be killed in.
    const { createWorkerContext } = await import('../../src/bootstrap');
    const { testConfig } = await import('../support/worker');
    const env = { DATABASE_URL: db.url, REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', QUEUE_PREFIX: testPrefix('kill') };
    const ctx = await createWorkerContext(testConfig(db.url, env.QUEUE_PREFIX), 'cli');
    const store = ctx.get(EventStore);
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => store.append(`calendar-event-${randomUUID()}`, 0, [scheduled(`k ${batch}-${i}`, i), ...Array.from({ length: 9 }, (_, r) => rescheduled(r + i))], meta)),
      );
    }
    await ctx.close();

    const first = spawnWorker(env);
    children.push(first);
    const mid = await waitFor(
      'the worker to apply part of the backlog',
      async () => {
        const c = await checkpoint(db.dataSource);
        return c && BigInt(c.position) > 0n && !(await caughtUp(db.dataSource)) ? c : undefined;
      },
      30000,
      5,
    );
    await kill(first);

    // Whatever the kill interrupted was rolled back: the model is exactly the fold up to the checkpoint.
    const at = (await checkpoint(db.dataSource))!;
    expect(BigInt(at.position)).toBeGreaterThanOrEqual(BigInt(mid.position));
    expect(await readCalendar(db.dataSource)).toEqual(await foldCalendar(db.dataSource, at));
    expect(await caughtUp(db.dataSource)).toBe(false);

    const second = spawnWorker(env);
    children.push(second);
    // The killed worker's job is recovered once BullMQ sees it stalled (lock 10 s, check every 5 s).
    await waitFor('the restarted worker to catch up', () => caughtUp(db.dataSource), 90000);
    const model = await readCalendar(db.dataSource);
    expect(model).toHaveLength(600);
    expect(model).toEqual(await foldCalendar(db.dataSource));
    expect(model.every((r) => r.version === 10)).toBe(true);
  }, 120000);
});

describe('Redis stopped while writes go on', () => {
  let redis: TestRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await TestRedis.start();
    t = await startTestApp('redis-outage', { REDIS_URL: redis.url }, 'all');
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('given Redis is down, writes still succeed; when it is back, the read model catches up with all of them', async () => {
    const staff = await t.token('alice', 'staff');
    const create = (title: string) =>
      http<{ id: string }>(t.baseUrl, 'POST', '/v1/events', { token: staff, body: { title, location: { city: 'Tokyo', country: 'JP' }, start: { date: '2031-05-01' }, end: { date: '2031-05-02' } } });

    const before = await create('before the outage');
    expect(before.status).toBe(201);
    await waitFor('the first event in the read model', () => caughtUp(t.db.dataSource));

    await redis.stop();
    const during = await Promise.all(Array.from({ length: 10 }, (_, i) => create(`during the outage ${i}`)));
    expect(during.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(await caughtUp(t.db.dataSource)).toBe(false);

    await redis.start();
    await waitFor('the read model to catch up after Redis returns', () => caughtUp(t.db.dataSource), 40000, 100);
    const model = await readCalendar(t.db.dataSource);
    expect(model).toEqual(await foldCalendar(t.db.dataSource));
    expect(model.map((r) => r.id)).toEqual(expect.arrayContaining([before.body.id, ...during.map((r) => r.body.id)]));
  });
});
