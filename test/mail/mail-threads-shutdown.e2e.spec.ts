import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { QUEUES } from '../../src/jobs/catalog';
import { Deliveries, EnqueueDelivery } from '../../src/modules/mail/deliveries';
import type { ConfirmEmailPayload } from '../../src/modules/subscriptions/confirm/confirm.renderer';
import type { Preferences } from '../../src/modules/subscriptions/domain/subscription';
import { Child, spawnApp } from '../ops/support';
import { TestApp, startTestApp } from '../support/app';
import { TestSmtp, settled, startTestSmtp } from '../support/smtp';
import { appendConfirmedSubscriber } from '../support/subscriber';
import { waitFor } from '../support/wait';

const preferences: Preferences = { countries: ['KR'], programmes: [], eventIds: [], leadTimes: ['PT5M'], locale: 'en' };
const SUBSCRIBERS = 300;

/**
 * SIGTERM to a worker process whose mail threads are sending a fan-out: it drains and exits 0,
 * leaves no delivery claimed (`sending`), and a worker started after it sends the rest; every
 * delivery is accepted exactly once.
 */
describe('a worker stopped (SIGTERM) in the middle of a fan-out sent by its mail threads', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  const workers: Child[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('mailthreadsstop', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' }, 'api');
  }, 60000);
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await t?.close();
    await smtp?.close();
  });

  it('drains, exits 0, and the next worker sends the rest: each delivery accepted once', async () => {
    const tag = randomUUID().slice(0, 8);
    const list: EnqueueDelivery[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const id = await appendConfirmedSubscriber(t.app, `reader-${i}-${tag}@example.org`, preferences);
      list.push({
        deliveryKey: `confirm|${id}|stop-test`,
        kind: 'confirm',
        subscriptionId: id,
        eventId: null,
        payload: { confirmUrl: 'https://almanac.test/c?token=t', preferences } satisfies ConfirmEmailPayload,
      });
    }
    const accepted = new Map<string, number>();
    // A server slow to answer, so the signal finds messages on the wire in every mail thread.
    smtp.beforeAccept = async (m) => {
      await new Promise((r) => setTimeout(r, 100));
      for (const a of m.envelopeTo) accepted.set(a, (accepted.get(a) ?? 0) + 1);
    };
    const env = { DATABASE_URL: t.db.url, QUEUE_PREFIX: t.config.QUEUE_PREFIX, SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test', MAIL_THREADS: '2' };
    const first = await spawnApp('worker', env);
    workers.push(first);
    await t.app.get(Deliveries).enqueueMany(list);
    await waitFor('the first messages accepted', async () => accepted.size > 0, 30000, 20);
    first.proc.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    const left: { status: string; n: string }[] = await t.db.dataSource.query(`SELECT status, count(*) AS n FROM deliveries WHERE delivery_key LIKE '%|stop-test' GROUP BY status`);
    expect(left.find((r) => r.status === 'sending')).toBeUndefined();

    workers.push(await spawnApp('worker', env));
    await waitFor(
      'every delivery sent',
      async () => {
        const [{ n }]: { n: string }[] = await t.db.dataSource.query(`SELECT count(*) AS n FROM deliveries WHERE delivery_key LIKE '%|stop-test' AND status = 'sent'`);
        return Number(n) === SUBSCRIBERS;
      },
      60000,
    );
    await settled(smtp, [{ queue: t.app.get<Queue>(getQueueToken(QUEUES.email)), states: ['waiting', 'active', 'delayed', 'prioritized'] }]);
    expect(accepted.size).toBe(SUBSCRIBERS);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
  }, 150000);
});
