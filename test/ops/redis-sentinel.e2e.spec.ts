import { TokenService } from '../../src/modules/auth/tokens';
import { TEST_JWT_SECRET, http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestRedisSentinel } from '../support/redis-cluster';
import { waitFor } from '../support/wait';
import { caughtUp, foldCalendar, readCalendar } from '../projections/fold';
import { Child, event, expectOneRedisOutage, queuePrefix, requireBuild, spawnApp } from './support';

/**
 * REDIS_SENTINELS + REDIS_SENTINEL_NAME with real sentinels and the built server: the master
 * dies, the sentinels promote the replica, the service follows; writes stay acknowledged,
 * projections carry on, and the outage is one warning when it starts and one when it ends.
 */
describe('Redis Sentinel (e2e, real sentinels, built server)', () => {
  let sentinel: TestRedisSentinel;
  let db: TestDatabase;
  let app: Child | undefined;

  beforeAll(async () => {
    requireBuild();
    [sentinel, db] = await Promise.all([TestRedisSentinel.start(), createTestDatabase('rsentinel')]);
  }, 40000);

  afterAll(async () => {
    await app?.kill();
    await sentinel?.stop();
    await db?.drop();
  });

  it('the master dies: the sentinels promote the replica, writes keep being acknowledged and every one reaches the read model; one warning each way', async () => {
    app = await spawnApp('all', {
      DATABASE_URL: db.url,
      REDIS_URL: '',
      REDIS_SENTINELS: sentinel.list,
      REDIS_SENTINEL_NAME: sentinel.name,
      QUEUE_PREFIX: queuePrefix('rsentinel'),
      LOG_LEVEL: 'warn',
    });
    const base = app.baseUrl;
    const staff = await new TokenService(TEST_JWT_SECRET).sign('alice', ['staff']);
    for (let i = 0; i < 5; i++) expect((await http(base, 'POST', '/v1/events', { token: staff, body: event(`before ${i}`, i) })).status).toBe(201);
    await waitFor('projections caught up before the failover', () => caughtUp(db.dataSource), 30000, 100);

    const old = await sentinel.master();
    const killedAt = Date.now();
    await sentinel.kill(old);
    const statuses: number[] = [];
    const deadline = Date.now() + 6000;
    for (let i = 0; Date.now() < deadline; i++) statuses.push((await http(base, 'POST', '/v1/events', { token: staff, body: event(`during ${i}`, i) })).status);
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    await waitFor('the replica promoted', async () => (await sentinel.master()) !== old, 20000, 200);
    await waitFor('ready again', async () => (await http(base, 'GET', '/health/ready')).status === 200, 20000, 200);
    expect((await http(base, 'POST', '/v1/events', { token: staff, body: event('after', 2) })).status).toBe(201);

    await waitFor('projections caught up after the failover', () => caughtUp(db.dataSource), 30000, 200);
    const model = await readCalendar(db.dataSource);
    expect(model).toEqual(await foldCalendar(db.dataSource));
    expect(model).toHaveLength(5 + statuses.filter((s) => s === 201).length + 1);

    // The outage in the service's log: one warning when it started, one when it ended.
    await expectOneRedisOutage(app, killedAt, /sentinel master "[\w-]+" via [\d.:,]+/);
  }, 90000);
});
