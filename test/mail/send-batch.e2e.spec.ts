import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { JOBS, QUEUES } from '../../src/jobs/catalog';
import { Deliveries, EnqueueDelivery } from '../../src/modules/mail/deliveries';
import { sendEmailBatchJobId } from '../../src/modules/mail/email.payload';
import type { ConfirmEmailPayload } from '../../src/modules/subscriptions/confirm/confirm.renderer';
import type { Preferences } from '../../src/modules/subscriptions/domain/subscription';
import { TestApp, startTestApp } from '../support/app';
import { TestSmtp, settled, startTestSmtp } from '../support/smtp';
import { appendConfirmedSubscriber } from '../support/subscriber';
import { waitFor } from '../support/wait';

const preferences: Preferences = { countries: ['KR'], programmes: [], eventIds: [], leadTimes: ['PT5M'], locale: 'en' };

interface Row {
  delivery_key: string;
  status: string;
  reason_code: string | null;
  attempts: number;
}

/**
 * The fan-out's send path: one `email/send-batch` job claims, loads, renders and sends its
 * deliveries together over the pooled SMTP transport, against a real SMTP listener. Each
 * delivery keeps its own fate: a recipient the server refuses for good fails alone, one refused
 * for now goes again with the job's next attempt, and what was sent is never sent again.
 */
describe('send batches (e2e, real SMTP listener)', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let email: Queue;
  let deliveries: Deliveries;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('sendbatch', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' }, 'all');
    email = t.app.get<Queue>(getQueueToken(QUEUES.email));
    deliveries = t.app.get(Deliveries);
  }, 60000);

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const subscriber = (address: string): Promise<string> => appendConfirmedSubscriber(t.app, address, preferences);

  const delivery = (subscriptionId: string): EnqueueDelivery => ({
    deliveryKey: `confirm|${subscriptionId}|batch-test`,
    kind: 'confirm',
    subscriptionId,
    eventId: null,
    payload: { confirmUrl: 'https://almanac.test/v1/subscriptions/confirm?token=t', preferences } satisfies ConfirmEmailPayload,
  });
  const rows = async (list: EnqueueDelivery[]): Promise<Map<string, Row>> => {
    const found: Row[] = await t.db.dataSource.query('SELECT delivery_key, status, reason_code, attempts FROM deliveries WHERE delivery_key = ANY($1::text[])', [list.map((d) => d.deliveryKey)]);
    return new Map(found.map((r) => [r.delivery_key, r]));
  };
  const received = (address: string) => smtp.messages.filter((m) => m.envelopeTo.includes(address)).length;
  const quiet = () => settled(smtp, [{ queue: email, states: ['waiting', 'active', 'delayed', 'prioritized'] }]);

  it('one recipient refused for good (550) and one for now (451): the others are sent once, the 550 fails alone, the 451 is sent by the next attempt, and nothing is sent twice', async () => {
    const tag = randomUUID().slice(0, 8);
    const [sent, refused, later, also] = ['sent', 'refused', 'later', 'also'].map((n) => `${n}-${tag}@example.org`);
    const ids = await Promise.all([sent, refused, later, also].map(subscriber));
    const list = ids.map(delivery);
    smtp.rejectRecipient(refused);
    let refusedLater = 0;
    smtp.beforeAccept = async (m) => {
      if (m.envelopeTo.includes(later) && refusedLater++ === 0) throw Object.assign(new Error('try again later'), { responseCode: 451 });
    };

    expect(await deliveries.enqueueMany(list)).toBe(4);
    // One job for the four (not four jobs), under the id of its keys.
    const job = await email.getJob(sendEmailBatchJobId(list.map((d) => d.deliveryKey)));
    expect(job?.name ?? 'done already').toMatch(new RegExp(`^(${JOBS.email.sendBatch}|done already)$`));

    const settledRows = await waitFor(
      'every delivery settled',
      async () => {
        const r = await rows(list);
        return [...r.values()].every((x) => !['pending', 'sending'].includes(x.status)) && r.size === 4 ? r : null;
      },
      30000,
    );
    await quiet();
    const [a, b, c, d] = list.map((x) => settledRows.get(x.deliveryKey)!);
    expect(a).toMatchObject({ status: 'sent', attempts: 1 });
    expect(d).toMatchObject({ status: 'sent', attempts: 1 });
    expect(b).toMatchObject({ status: 'failed', reason_code: 'smtp-550', attempts: 1 });
    expect(c).toMatchObject({ status: 'sent', attempts: 2 });
    expect(refusedLater).toBe(2);
    expect([received(sent), received(refused), received(later), received(also)]).toEqual([1, 0, 2, 1]);

    // The same batch run again (a retried or duplicated job): every row is settled, nothing goes out.
    const before = smtp.messages.length;
    await email.add(
      JOBS.email.sendBatch,
      { deliveries: list.map(({ deliveryKey, kind, subscriptionId, eventId, payload }) => ({ deliveryKey, kind, subscriptionId, eventId, payload })) },
      { jobId: `again-${tag}`, attempts: 1 },
    );
    await waitFor('the repeated batch to finish', async () => (await email.getJob(`again-${tag}`))?.isCompleted(), 20000);
    await quiet();
    expect(smtp.messages.length).toBe(before);
    expect([...(await rows(list)).values()].map((r) => [r.status, r.attempts]).sort()).toEqual(
      [
        ['failed', 1],
        ['sent', 1],
        ['sent', 1],
        ['sent', 2],
      ].sort(),
    );
  });
});
