import { randomUUID } from 'node:crypto';
import { testPrefix } from '../support/run';
import { Queue } from 'bullmq';
import type { AppConfig } from '../../src/config/config';
import { JOBS, QUEUES, queuePrefix } from '../../src/jobs/catalog';
import { redisOptions } from '../../src/jobs/redis';
import { RedisClient } from '../../src/jobs/redis-client';
import { Deliveries, EnqueueDelivery } from '../../src/modules/mail/deliveries';
import { sendEmailBatchJobId } from '../../src/modules/mail/email.payload';
import { EmailCounters } from '../../src/modules/mail/email-counters';
import { TestDatabase, createTestDatabase } from '../support/database';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('Deliveries: claims and records of concurrent send jobs', () => {
  let db: TestDatabase;
  let queue: Queue;
  let redis: RedisClient;
  let deliveries: Deliveries;

  beforeAll(async () => {
    db = await createTestDatabase('deliveries');
    const prefix = testPrefix('deliveries');
    queue = new Queue(QUEUES.email, { connection: redisOptions(REDIS_URL), prefix: queuePrefix(prefix) });
    redis = new RedisClient({ REDIS_URL, QUEUE_PREFIX: prefix } as AppConfig);
    deliveries = new Deliveries(db.dataSource, queue, new EmailCounters(redis));
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await redis?.onApplicationShutdown();
    await db?.drop();
  });

  const delivery = (): EnqueueDelivery => ({ deliveryKey: `reminder:${randomUUID()}`, kind: 'reminder', subscriptionId: randomUUID(), eventId: randomUUID(), payload: { n: 1 } });

  it('given claims made together (one key twice, one already sent, one never enqueued), when they run, then each key is claimed at most once and each job gets its own answer', async () => {
    const [plug, twice, sent, fresh] = [delivery(), delivery(), delivery(), delivery()];
    const unknown = delivery();
    await deliveries.enqueueMany([plug, twice, sent, fresh]);
    await deliveries.claim(sent);
    await deliveries.record(sent.deliveryKey, { status: 'sent', messageId: '<m@x>' });

    const [a, b1, b2, c, d, e] = await Promise.all([
      deliveries.claim(plug), // goes alone; the rest wait for it and go together
      deliveries.claim(twice),
      deliveries.claim(twice),
      deliveries.claim(sent),
      deliveries.claim(fresh),
      deliveries.claim(unknown),
    ]);

    expect(a).toMatchObject({ deliveryKey: plug.deliveryKey, status: 'sending', attempts: 1 });
    expect([b1, b2].filter((x) => x !== null)).toHaveLength(1);
    expect(b1 ?? b2).toMatchObject({ deliveryKey: twice.deliveryKey, status: 'sending', attempts: 1 });
    expect(c).toBeNull();
    expect(d).toMatchObject({ deliveryKey: fresh.deliveryKey, status: 'sending' });
    expect(e).toMatchObject({ deliveryKey: unknown.deliveryKey, status: 'sending', attempts: 1 });
    await expect(deliveries.get(sent.deliveryKey)).resolves.toMatchObject({ status: 'sent', messageId: '<m@x>' });
  });

  it('given two send batches over the same keys claimed at once (one key already sent, one twice in a list, one never enqueued), when they run, then each key is claimed by exactly one batch, the sent one by neither', async () => {
    const list = Array.from({ length: 40 }, delivery);
    const [sent, unknown] = [list[0], delivery()];
    await deliveries.enqueueMany(list);
    await deliveries.claim(sent);
    await deliveries.record(sent.deliveryKey, { status: 'sent', messageId: '<s@x>' });
    const a = [...list, list[5], unknown];
    const b = [...list].reverse();

    const [ca, cb] = await Promise.all([deliveries.claimMany(a), deliveries.claimMany(b)]);

    for (const d of [...list.slice(1), unknown]) expect([ca.has(d.deliveryKey), cb.has(d.deliveryKey)].filter(Boolean)).toHaveLength(1);
    expect(ca.has(sent.deliveryKey) || cb.has(sent.deliveryKey)).toBe(false);
    expect(ca.size + cb.size).toBe(list.length);
    for (const row of [...ca.values(), ...cb.values()]) expect(row).toMatchObject({ status: 'sending', attempts: 1 });
    await expect(deliveries.get(sent.deliveryKey)).resolves.toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('given outcomes recorded together, when they run, then each row gets its own outcome, a sent row is never changed and the counters count what changed', async () => {
    const list = [delivery(), delivery(), delivery(), delivery(), delivery()];
    await deliveries.enqueueMany(list);
    for (const d of list) await deliveries.claim(d);
    await deliveries.record(list[3].deliveryKey, { status: 'sent', messageId: '<first@x>' });
    const before = await new EmailCounters(redis).read();

    await Promise.all([
      deliveries.record(list[0].deliveryKey, { status: 'sent', messageId: '<a@x>' }),
      deliveries.record(list[1].deliveryKey, { status: 'failed', reason: 'smtp 550: mailbox unavailable', code: 'smtp-550' }),
      deliveries.record(list[2].deliveryKey, { status: 'pending', reason: 'attempt 1 failed: timeout', code: 'etimedout' }),
      deliveries.record(list[3].deliveryKey, { status: 'failed', reason: 'late' }),
      deliveries.record(list[4].deliveryKey, { status: 'sent', messageId: '<b@x>' }),
    ]);

    const rows = await Promise.all(list.map((d) => deliveries.get(d.deliveryKey)));
    expect(rows[0]).toMatchObject({ status: 'sent', messageId: '<a@x>', reason: null });
    expect(rows[0]?.sentAt).toBeInstanceOf(Date);
    expect(rows[1]).toMatchObject({ status: 'failed', reason: 'smtp 550: mailbox unavailable', reasonCode: 'smtp-550', sentAt: null });
    expect(rows[2]).toMatchObject({ status: 'pending', reason: 'attempt 1 failed: timeout', reasonCode: 'etimedout' });
    expect(rows[3]).toMatchObject({ status: 'sent', messageId: '<first@x>' });
    const after = await new EmailCounters(redis).read();
    expect((after.sent ?? 0) - (before.sent ?? 0)).toBe(2);
    expect((after.failed ?? 0) - (before.failed ?? 0)).toBe(1);
  });

  it('given a fan-out page of 120 deliveries, when it is enqueued (twice), then it is three send-batch jobs of 50, 50 and 20 under ids of their keys, and the second enqueue adds none', async () => {
    const list = Array.from({ length: 120 }, delivery);
    await queue.drain(true);
    expect(await deliveries.enqueueMany(list)).toBe(120);
    expect(await deliveries.enqueueMany(list)).toBe(0);

    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.map((j) => [j.name, j.data.deliveries.length]).sort()).toEqual([
      [JOBS.email.sendBatch, 20],
      [JOBS.email.sendBatch, 50],
      [JOBS.email.sendBatch, 50],
    ]);
    for (const j of jobs) expect(j.id).toBe(sendEmailBatchJobId(j.data.deliveries.map((d: EnqueueDelivery) => d.deliveryKey)));
    expect(jobs.flatMap((j) => j.data.deliveries.map((d: EnqueueDelivery) => d.deliveryKey)).sort()).toEqual(list.map((d) => d.deliveryKey).sort());
  });
});
