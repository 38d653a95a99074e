import { DateTime } from 'luxon';
import { loadConfig } from '../../src/config/config';
import { checkRedis } from '../../src/startup/preflight';
import { TestApp, http, startTestApp } from '../support/app';
import { TestRedisCluster } from '../support/redis-cluster';
import { ReceivedMail, TestSmtp, settled, startTestSmtp } from '../support/smtp';
import { confirmSubscriber } from '../support/subscriber';
import { waitFor } from '../support/wait';
import { caughtUp, foldCalendar, readCalendar } from '../projections/fold';
import { event } from './support';

const ZONE = 'Asia/Seoul';

/**
 * A real Redis Cluster (3 masters, 3 replicas) under the whole service: its queues, flags, rate
 * limits and counters; a single-node client pointed at it is refused by start-up and readiness.
 * Failover of the slot's master is in redis-cluster-failover.e2e.spec.ts.
 */
describe('Redis Cluster (e2e, real local cluster)', () => {
  let cluster: TestRedisCluster;
  let smtp: TestSmtp;
  let t: TestApp;
  let staff: string;

  beforeAll(async () => {
    cluster = await TestRedisCluster.start();
    smtp = await startTestSmtp();
  }, 40000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await smtp?.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('a single-node REDIS_URL pointed at a cluster node: start-up and /health/ready say so (MOVED) instead of "ok"', async () => {
    const prefix = `t-misrouted-${Date.now()}`;
    const owner = await cluster.masterOf(`{${prefix}}`);
    const other = cluster.nodes.find((n) => n.port !== owner)!.port;
    // A master that does not own the prefix's slot, or a replica: either redirects.
    const env = { REDIS_URL: `redis://127.0.0.1:${other}`, QUEUE_PREFIX: prefix };
    await expect(checkRedis(loadConfig({ ...env, NODE_ENV: 'test' }))).rejects.toThrow(
      /^cannot use Redis at redis:\/\/127\.0\.0\.1:\d+\/?: MOVED \d+ 127\.0\.0\.1:\d+: this Redis is a cluster node; set REDIS_CLUSTER_NODES/,
    );

    const misrouted = await startTestApp('misrouted', env);
    try {
      const r = await http<{ detail: string }>(misrouted.baseUrl, 'GET', '/health/ready');
      expect(r.status).toBe(503);
      expect(r.body.detail).toMatch(/redis: MOVED \d+ .*this Redis is a cluster node; set REDIS_CLUSTER_NODES/);
    } finally {
      await misrouted.close();
    }
  });

  it('a wrong combination of variables is one line naming them', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: cluster.seeds })).toThrow(
      /^invalid configuration: REDIS_URL and REDIS_CLUSTER_NODES are exclusive: unset REDIS_URL \(REDIS_CLUSTER_NODES replaces it\)$/,
    );
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: cluster.seeds, REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'm' })).toThrow(
      /^invalid configuration: REDIS_CLUSTER_NODES and REDIS_SENTINELS\/REDIS_SENTINEL_NAME are exclusive/,
    );
    expect(() => loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379' })).toThrow(/^invalid configuration: REDIS_SENTINELS needs REDIS_SENTINEL_NAME/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1' })).toThrow(/^invalid configuration: REDIS_CLUSTER_NODES "127\.0\.0\.1" is not host:port/);
  });

  it('the whole service runs on the cluster: sign-up and confirmation mail, writes, projections and a delayed reminder sent once', async () => {
    t = await startTestApp('rcluster', { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.seeds, SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' }, 'all');
    staff = await t.token('alice', 'staff');
    expect((await http(t.baseUrl, 'GET', '/health/ready')).status).toBe(200);

    // A confirmed subscriber to Seoul events, through the sign-up job and the confirmation email.
    await confirmSubscriber(t.baseUrl, smtp, t.db.dataSource, { email: 'ada@example.org', countries: ['KR'], leadTimes: ['PT5M'] });

    // A Seoul event whose PT5M reminder is due 12 s from now: a delayed job in the cluster.
    const start = DateTime.now().setZone(ZONE).plus({ minutes: 5, seconds: 12 });
    const forum = await http<{ id: string }>(t.baseUrl, 'POST', '/v1/events', {
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
    for (let i = 0; i < 10; i++) expect((await http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event(`write ${i}`, i) })).status).toBe(201);

    await waitFor('projections caught up', () => caughtUp(t.db.dataSource), 30000, 100);
    const model = await readCalendar(t.db.dataSource);
    expect(model).toEqual(await foldCalendar(t.db.dataSource));
    expect(model).toHaveLength(11);
    await waitFor('the reminder', () => reminders(forum.body.id)[0], 30000, 100);
    await waitFor(
      'its delivery recorded as sent',
      async () => {
        const rows = await t.db.dataSource.query(`SELECT status FROM deliveries WHERE event_id = $1 AND kind = 'reminder'`, [forum.body.id]);
        return rows.length === 1 && rows[0].status === 'sent';
      },
      10000,
      100,
    );
    await settled(smtp, []);
    expect(reminders(forum.body.id)).toHaveLength(1);
  }, 90000);

  const to = (address: string): ReceivedMail[] => smtp.messages.filter((m) => m.envelopeTo.includes(address));
  const reminders = (eventId: string) =>
    to('ada@example.org').filter((m) => (m.parsed.subject ?? '').startsWith('Reminder:') && m.parsed.attachments.some((a) => a.content.toString('utf8').includes(`${eventId}@almanac`)));
});
