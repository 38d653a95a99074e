import type { Worker } from 'bullmq';
import { QueueWorkers } from '../../src/jobs/queue-workers';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { caughtUp, foldCalendar, readCalendar } from '../projections/fold';
import { event } from './support';

/**
 * The worker watchdog goes by progress, not by errors: a worker that takes no job while jobs
 * wait (here one paused behind the service's back, as one parked in a blocking wait after a
 * Redis failover is) is replaced, and the jobs run; the idle workers of empty queues are not.
 */
describe('stuck worker (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('stuckworker', {}, 'all');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a worker that takes no job while its queue has waiting jobs is replaced, without any Redis error, and the jobs run', async () => {
    const workers = () => (t.app.get(QueueWorkers) as unknown as { workers: Map<string, { worker: Worker }> }).workers;
    const staff = await t.token('alice', 'staff');
    expect((await http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event('before', 1) })).status).toBe(201);
    await waitFor('projections caught up', () => caughtUp(t.db.dataSource), 20000, 100);

    const before = new Map([...workers()].map(([name, w]) => [name, w.worker]));
    await before.get('projections')!.pause(true);
    expect((await http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event('while stuck', 2) })).status).toBe(201);
    await waitFor('the projections worker replaced', () => workers().get('projections')!.worker !== before.get('projections'), 25000, 200);
    await waitFor('projections caught up by the new worker', () => caughtUp(t.db.dataSource), 20000, 100);
    const model = await readCalendar(t.db.dataSource);
    expect(model).toEqual(await foldCalendar(t.db.dataSource));
    expect(model).toHaveLength(2);
    for (const name of ['email', 'reminders', 'subscriptions', 'webhooks']) expect(workers().get(name)!.worker).toBe(before.get(name));
  }, 60000);
});
