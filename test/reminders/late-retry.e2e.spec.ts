import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { resolve } from 'node:path';
import { QUEUES } from '../../src/jobs/catalog';
import { Child, spawnApp } from '../ops/support';
import { TestApp, http, startTestApp } from '../support/app';
import { TestSmtp, settled, startTestSmtp } from '../support/smtp';
import { confirmSubscriber } from '../support/subscriber';
import { waitFor } from '../support/wait';
import { startTestWorker, testConfig } from '../support/worker';

const ZONE = 'Asia/Seoul';
const CLOCK = resolve(__dirname, '../support/clock-offset.js');
/** How late the admin's retry is sent: past the 15-minute limit. */
const LATE_MS = 16 * 60_000;
const EMAIL = 'retried-late@example.org';

interface DeliveryItem {
  deliveryKey: string;
  kind: string;
  eventId: string | null;
  status: string;
  reason: string | null;
  attempts: number;
}

/**
 * "Never stale" holds for an admin's retry too: a reminder whose delivery failed on time (the
 * SMTP server refused it for good) and that an admin retries once its due time is more than 15
 * minutes past sends nothing. The worker that runs the retry has its clock run ahead, as in
 * late.e2e: nothing is waited for 16 minutes.
 */
describe('an admin retry of a reminder more than 15 minutes after it was due', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let onTime: INestApplicationContext | undefined;
  let late: Child | undefined;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('lateretry', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' }, 'api');
  });
  afterAll(async () => {
    await late?.kill();
    await onTime?.close();
    await t?.close();
    await smtp?.close();
  });

  it('sends nothing: the retried delivery is skipped as stale, with the reason, and no email goes out', async () => {
    const env = { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' };
    const admin = await t.token('root', 'admin');
    const deliveries = async () => (await http<{ items: DeliveryItem[] }>(t.baseUrl, 'GET', `/v1/admin/deliveries?email=${EMAIL}`, { token: admin })).body.items;
    onTime = await startTestWorker(testConfig(t.db.url, t.config.QUEUE_PREFIX, env));

    await confirmSubscriber(t.baseUrl, smtp, t.db.dataSource, { email: EMAIL, countries: ['KR'], leadTimes: ['PT5M'] });

    // The reminder comes due while the SMTP server refuses for good: the delivery fails on time.
    smtp.refuse(550);
    const staff = await t.token('alice', 'staff');
    const start = DateTime.now().setZone(ZONE).plus({ minutes: 5, seconds: 8 });
    const created = await http<{ id: string; startsAt: string }>(t.baseUrl, 'POST', '/v1/events', {
      token: staff,
      body: {
        title: 'Retried forum',
        description: '',
        programme: 'culture',
        location: { city: 'Seoul', country: 'KR', venue: null },
        timeZone: ZONE,
        start: { dateTime: start.toFormat("yyyy-LL-dd'T'HH:mm:ss") },
        end: { dateTime: start.plus({ hours: 1 }).toFormat("yyyy-LL-dd'T'HH:mm:ss") },
      },
    });
    expect(created.status).toBe(201);
    const dueAt = new Date(created.body.startsAt).getTime() - 5 * 60_000;
    const failed = await waitFor('the reminder delivery to fail', async () => (await deliveries()).find((d) => d.eventId === created.body.id && d.status === 'failed'), 60000);
    expect(failed.kind).toBe('reminder');
    expect(failed.reason).toContain('550');
    smtp.accept();

    // No worker runs until the next one starts, 16 minutes after the reminder's due time.
    await onTime.close();
    onTime = undefined;
    late = await spawnApp('worker', {
      DATABASE_URL: t.db.url,
      QUEUE_PREFIX: t.config.QUEUE_PREFIX,
      ...env,
      NODE_OPTIONS: `--require ${CLOCK}`,
      ALMANAC_TEST_CLOCK_OFFSET_MS: String(dueAt + LATE_MS - Date.now()),
    });
    const before = smtp.messages.length;
    const retried = await http<DeliveryItem>(t.baseUrl, 'POST', `/v1/admin/deliveries/${encodeURIComponent(failed.deliveryKey)}/retry`, { token: admin });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ deliveryKey: failed.deliveryKey, status: 'pending', reason: 'retry requested by root' });

    // The retry's job ran and said why it sent nothing; the listener stays quiet.
    const skipped = await waitFor(
      'the retried delivery to be settled',
      async () => (await deliveries()).find((d) => d.deliveryKey === failed.deliveryKey && !['pending', 'sending'].includes(d.status)),
      30000,
    );
    expect(skipped).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^stale: due \S+, more than 15 minutes ago$/), attempts: 2 });
    await settled(smtp, [{ queue: t.app.get<Queue>(getQueueToken(QUEUES.email)), states: ['waiting', 'active', 'delayed', 'prioritized'] }]);
    expect(smtp.messages.slice(before).map((m) => m.parsed.subject)).toEqual([]);
    expect(smtp.messages.filter((m) => m.envelopeTo.includes(EMAIL))).toHaveLength(1); // the confirmation only
  });
});
