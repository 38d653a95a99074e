import { TestApp, http, startTestApp } from '../support/app';
import { TestRedisSentinel } from '../support/redis-cluster';
import { waitFor } from '../support/wait';
import { caughtUp, foldCalendar, readCalendar } from '../projections/fold';
import { event } from './support';

/**
 * REDIS_SENTINELS + REDIS_SENTINEL_NAME with real sentinels: the master dies, the sentinels
 * promote the replica, the service follows; writes stay acknowledged and projections carry on.
 */
describe('Redis Sentinel (e2e, real sentinels)', () => {
  let sentinel: TestRedisSentinel;
  let t: TestApp;

  beforeAll(async () => {
    sentinel = await TestRedisSentinel.start();
  }, 40000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await sentinel?.stop();
  });

  it('the master dies: the sentinels promote the replica, writes keep being acknowledged and every one reaches the read model', async () => {
    t = await startTestApp('rsentinel', { REDIS_URL: '', REDIS_SENTINELS: sentinel.list, REDIS_SENTINEL_NAME: sentinel.name }, 'all');
    const staff = await t.token('alice', 'staff');
    expect((await http(t.baseUrl, 'GET', '/health/ready')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event(`before ${i}`, i) })).status).toBe(201);
    await waitFor('projections caught up before the failover', () => caughtUp(t.db.dataSource), 30000, 100);

    const old = await sentinel.master();
    await sentinel.kill(old);
    const statuses: number[] = [];
    const deadline = Date.now() + 6000;
    for (let i = 0; Date.now() < deadline; i++) statuses.push((await http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event(`during ${i}`, i) })).status);
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    await waitFor('the replica promoted', async () => (await sentinel.master()) !== old, 20000, 200);
    await waitFor('ready again', async () => (await http(t.baseUrl, 'GET', '/health/ready')).status === 200, 20000, 200);
    expect((await http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event('after', 2) })).status).toBe(201);

    await waitFor('projections caught up after the failover', () => caughtUp(t.db.dataSource), 30000, 200);
    const model = await readCalendar(t.db.dataSource);
    expect(model).toEqual(await foldCalendar(t.db.dataSource));
    expect(model).toHaveLength(5 + statuses.filter((s) => s === 201).length + 1);
  }, 90000);
});
