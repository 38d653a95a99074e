import { Client } from 'pg';
import { migrate } from '../../src/database/database';
import { TestApp, http, startTestApp } from '../support/app';
import { TestReplicaPair } from '../support/pg-replica';
import { waitFor } from '../support/wait';
import { event } from '../ops/support';

interface Page {
  items: { id: string; title: string }[];
}

/**
 * DATABASE_READ_URL with a real streaming replica (its own primary and replica, started here):
 * listings and event reads come from the replica, writes and the log from the primary, and
 * X-Min-Log-Position stays exact — a read that needs a write the replica has not replayed is
 * served by the primary.
 */
describe('read replica (e2e, real streaming replica)', () => {
  let pair: TestReplicaPair;
  let t: TestApp;
  let replica: Client;
  let staff: string;

  beforeAll(async () => {
    pair = await TestReplicaPair.start();
    await migrate(pair.url('primary', 'almanac'));
    t = await startTestApp('replica', { DATABASE_URL: pair.url('primary', 'almanac'), DATABASE_READ_URL: pair.url('replica', 'almanac') }, 'all');
    staff = await t.token('alice', 'staff');
    replica = new Client({ connectionString: pair.url('replica', 'almanac') });
    await replica.connect();
  }, 60000);

  afterAll(async () => {
    await replica?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await replica?.end().catch(() => undefined);
    await t?.close().catch(() => undefined);
    await pair?.stop();
  });

  const write = async (title: string, day: number) => {
    const r = await http<{ id: string }>(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event(title, day) });
    expect(r.status).toBe(201);
    return { id: r.body.id, position: r.headers.get('x-log-position')! };
  };
  const listing = async (minPosition?: string) => {
    const r = await http<Page>(t.baseUrl, 'GET', '/v1/events?from=2031-03-01&to=2031-03-31', { headers: minPosition ? { 'x-min-log-position': minPosition } : {} });
    expect(r.status).toBe(200);
    return r.body.items.map((i) => i.title);
  };

  it("reads its own writes through the replica, and readiness reports the replica's lag", async () => {
    const a = await write('Forum A', 2);
    const r = await http<{ title: string }>(t.baseUrl, 'GET', `/v1/events/${a.id}`, { headers: { 'x-min-log-position': a.position } });
    expect(r.status).toBe(200);
    expect(r.body.title).toBe('Forum A');
    expect(await listing(a.position)).toEqual(['Forum A']);

    const ready = await http<{ status: string; info: { replica: { lagBytes: number; lagSeconds: number } } }>(t.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.replica.lagBytes).toEqual(expect.any(Number));
  });

  it('while the replica is held back, plain reads come from it (without the new event) and a read with X-Min-Log-Position falls back to the primary', async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    const b = await write('Forum B', 3);
    // Writes, the log and the projections are on the primary: it has B, the replica does not.
    const exact = await http<{ title: string }>(t.baseUrl, 'GET', `/v1/events/${b.id}`, { headers: { 'x-min-log-position': b.position } });
    expect(exact.status).toBe(200);
    expect(exact.body.title).toBe('Forum B');
    expect(await listing(b.position)).toEqual(['Forum A', 'Forum B']);
    expect(await listing()).toEqual(['Forum A']);
    expect((await http(t.baseUrl, 'GET', `/v1/events/${b.id}`)).status).toBe(404);

    await replica.query('SELECT pg_wal_replay_resume()');
    await waitFor('the replica to replay B', async () => (await listing()).length === 2, 10000, 50);
    expect(await listing()).toEqual(['Forum A', 'Forum B']);
  });
});
