import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { DateTime } from 'luxon';
import { TokenService } from '../../src/modules/auth/tokens';
import { TEST_JWT_SECRET, http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { TestRedisCluster } from '../support/redis-cluster';
import { ReceivedMail, TestSmtp, settled, startTestSmtp } from '../support/smtp';
import { confirmSubscriber } from '../support/subscriber';
import { waitFor } from '../support/wait';
import { caughtUp, foldCalendar, readCalendar } from '../projections/fold';
import { Child, event, expectOneRedisOutage, queuePrefix, requireBuild, spawnApp } from './support';

const ZONE = 'Asia/Seoul';

/**
 * The built service on a real local Redis Cluster (3 masters, 3 replicas, 1 s node timeout):
 * the master that owns the service's hash slot is killed while writes arrive and a reminder
 * waits as a delayed job. A replica takes over; writes stay acknowledged (503 at most while it
 * switches), projections and the delayed reminder carry on, nothing is lost or sent twice, and
 * the outage is one warning when it starts and one when it ends.
 */
describe('Redis Cluster failover (e2e, real local cluster, built server)', () => {
  let cluster: TestRedisCluster;
  let smtp: TestSmtp;
  let db: TestDatabase;
  let app: Child | undefined;
  let queues: Queue[] = [];
  let queueClient: Cluster | undefined;

  beforeAll(async () => {
    requireBuild();
    [cluster, smtp, db] = await Promise.all([TestRedisCluster.start(), startTestSmtp(), createTestDatabase('rfailover')]);
  }, 60000);

  afterAll(async () => {
    for (const q of queues) await q.close().catch(() => undefined);
    queueClient?.disconnect();
    await app?.kill();
    await smtp?.close().catch(() => undefined);
    await cluster?.stop();
    await db?.drop();
  });

  it("the master of the service's slot dies: a replica takes over, writes stay acknowledged, projections and a delayed reminder carry on, nothing lost or sent twice, one warning each way", async () => {
    const prefix = queuePrefix('rfailover');
    const running = await spawnApp('all', {
      DATABASE_URL: db.url,
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: cluster.seeds,
      QUEUE_PREFIX: prefix,
      SMTP_URL: smtp.url,
      PUBLIC_BASE_URL: 'https://almanac.test',
      LOG_LEVEL: 'warn',
    });
    app = running;
    const base = running.baseUrl;
    const staff = await new TokenService(TEST_JWT_SECRET).sign('alice', ['staff']);
    // The test's own view of the queues, through the same cluster.
    queueClient = new Cluster(
      cluster.nodes.slice(0, 2).map((n) => ({ host: '127.0.0.1', port: n.port })),
      { redisOptions: { maxRetriesPerRequest: null } },
    );
    const [reminderQueue, emailQueue] = ['reminders', 'email'].map((name) => new Queue(name, { connection: queueClient!, prefix: `{${prefix}}` }));
    queues = [reminderQueue, emailQueue];
    for (const q of queues) q.on('error', () => undefined);

    // A confirmed subscriber to Seoul events, through the sign-up job and the confirmation email.
    const confirmation = await confirmSubscriber(base, smtp, db.dataSource, { email: 'ada@example.org', countries: ['KR'], leadTimes: ['PT5M'] });

    // A Seoul event whose PT5M reminder is due 15 s from now: a delayed job in the cluster, due
    // after the kill below.
    const start = DateTime.now().setZone(ZONE).plus({ minutes: 5, seconds: 15 }).startOf('second');
    const due = start.minus({ minutes: 5 }).toMillis();
    const forum = await http<{ id: string }>(base, 'POST', '/v1/events', {
      token: staff,
      body: {
        title: 'Forum on Heritage',
        description: '',
        programme: 'culture',
        location: { city: 'Seoul', country: 'KR', venue: 'COEX' },
        timeZone: ZONE,
        start: { dateTime: start.toFormat("yyyy-LL-dd'T'HH:mm:ss") },
        end: { dateTime: start.plus({ hours: 1 }).toFormat("yyyy-LL-dd'T'HH:mm:ss") },
      },
    });
    expect(forum.status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await http(base, 'POST', '/v1/events', { token: staff, body: event(`before ${i}`, i) })).status).toBe(201);
    await waitFor('projections caught up before the failover', () => caughtUp(db.dataSource), 20000, 100);
    await waitFor('the reminder waiting as a delayed job', async () => (await reminderQueue.getJobs(['delayed'])).some((j) => j.name === 'due'), 20000, 100);

    // Kill the master that owns the service's slot, while writes keep coming.
    const owner = await cluster.masterOf(`{${prefix}}`);
    // What the master acknowledged is on a replica first (the delayed reminder job included):
    // otherwise the kill itself may drop it, and only the minutely replan would bring it back.
    await cluster.replicated(owner);
    await cluster.kill(owner);
    const killedAt = Date.now();
    expect(killedAt).toBeLessThan(due);
    const statuses: number[] = [];
    for (let i = 0; Date.now() - killedAt < 6000; i++) statuses.push((await http(base, 'POST', '/v1/events', { token: staff, body: event(`during ${i}`, i) })).status);
    expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
    await waitFor('a replica promoted', async () => (await cluster.masterOf(`{${prefix}}`)) !== owner, 20000, 200);
    await waitFor('ready again', async () => (await http(base, 'GET', '/health/ready')).status === 200, 20000, 200);
    expect((await http(base, 'POST', '/v1/events', { token: staff, body: event('after', 3) })).status).toBe(201);

    // Every acknowledged write reaches the read model.
    await waitFor('projections caught up after the failover', () => caughtUp(db.dataSource), 30000, 200);
    const model = await readCalendar(db.dataSource);
    expect(model).toEqual(await foldCalendar(db.dataSource));
    expect(model).toHaveLength(1 + 5 + statuses.filter((s) => s === 201).length + 1);

    // The reminder, due after the kill, is sent once.
    await waitFor('the reminder', () => reminders(forum.body.id)[0], 30000, 100);
    await waitFor(
      'its delivery recorded as sent',
      async () => {
        const rows = await db.dataSource.query(`SELECT status FROM deliveries WHERE event_id = $1 AND kind = 'reminder'`, [forum.body.id]);
        return rows.length === 1 && rows[0].status === 'sent';
      },
      10000,
      100,
    );
    await settled(smtp, [
      // Not 'delayed': the repeatable replan job always has its next run there.
      { queue: reminderQueue, states: ['waiting', 'active'] },
      { queue: emailQueue, states: ['waiting', 'active', 'delayed'] },
    ]);
    expect(reminders(forum.body.id)).toHaveLength(1);
    expect(to('ada@example.org').filter((m) => m !== confirmation && !reminders(forum.body.id).includes(m))).toEqual([]);

    // The outage in the service's log: one warning when it started, one when it ended.
    await expectOneRedisOutage(running, killedAt, /cluster [\d.:,]+/);
  }, 120000);

  const to = (address: string): ReceivedMail[] => smtp.messages.filter((m) => m.envelopeTo.includes(address));
  const reminders = (eventId: string) =>
    to('ada@example.org').filter((m) => (m.parsed.subject ?? '').startsWith('Reminder:') && m.parsed.attachments.some((a) => a.content.toString('utf8').includes(`${eventId}@almanac`)));
});
