import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { resolve } from 'node:path';
import { QUEUES } from '../../src/jobs/catalog';
import { dueJobId } from '../../src/modules/reminders/domain/notifications';
import { Child, spawnApp } from '../ops/support';
import { TestApp, http, startTestApp } from '../support/app';
import { TestSmtp, settled, startTestSmtp } from '../support/smtp';
import { confirmSubscriber } from '../support/subscriber';
import { waitFor } from '../support/wait';
import { startTestWorker, testConfig } from '../support/worker';

const ZONE = 'Asia/Seoul';
const CLOCK = resolve(__dirname, '../support/clock-offset.js');
/** How late the due job is delivered: past the 15-minute limit. */
const LATE_MS = 16 * 60_000;

/**
 * "A reminder whose due time passed more than 15 minutes ago is not sent", with BullMQ's own
 * delayed job: a worker plans it on time, then the workers are held back (none runs) and the
 * next worker to start finds it 16 minutes late — its clock is run ahead, not waited for.
 */
describe('a due job delivered more than 15 minutes late', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let onTime: INestApplicationContext | undefined;
  let late: Child | undefined;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('late', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' }, 'api');
  });
  afterAll(async () => {
    await late?.kill();
    await onTime?.close();
    await t?.close();
    await smtp?.close();
  });

  it('sends nothing: the job finds the reminder stale, no delivery is recorded, no email goes out', async () => {
    const env = { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' };
    onTime = await startTestWorker(testConfig(t.db.url, t.config.QUEUE_PREFIX, env));

    // A confirmed subscriber who wants a reminder five minutes before Seoul events.
    await confirmSubscriber(t.baseUrl, smtp, t.db.dataSource, { email: 'late@example.org', countries: ['KR'], leadTimes: ['PT5M'] });

    // An event whose PT5M reminder is due in 20 s: the worker plans a delayed job for it.
    const staff = await t.token('alice', 'staff');
    const start = DateTime.now().setZone(ZONE).plus({ minutes: 5, seconds: 20 });
    const created = await http<{ id: string; startsAt: string }>(t.baseUrl, 'POST', '/v1/events', {
      token: staff,
      body: {
        title: 'Late forum',
        description: '',
        programme: 'culture',
        location: { city: 'Seoul', country: 'KR', venue: null },
        timeZone: ZONE,
        start: { dateTime: start.toFormat("yyyy-LL-dd'T'HH:mm:ss") },
        end: { dateTime: start.plus({ hours: 1 }).toFormat("yyyy-LL-dd'T'HH:mm:ss") },
      },
    });
    expect(created.status).toBe(201);
    const reminders = t.app.get<Queue>(getQueueToken(QUEUES.reminders));
    const jobId = dueJobId(created.body.id, 'PT5M', created.body.startsAt);
    const planned = await waitFor('the delayed due job', () => reminders.getJob(jobId));
    expect(await planned.getState()).toBe('delayed');
    const dueAt = new Date(created.body.startsAt).getTime() - 5 * 60_000;

    // No worker runs while it comes due; the next one starts 16 minutes after its due time.
    await onTime.close();
    onTime = undefined;
    const before = smtp.messages.length;
    late = await spawnApp('worker', {
      DATABASE_URL: t.db.url,
      QUEUE_PREFIX: t.config.QUEUE_PREFIX,
      ...env,
      NODE_OPTIONS: `--require ${CLOCK}`,
      ALMANAC_TEST_CLOCK_OFFSET_MS: String(dueAt + LATE_MS - Date.now()),
    });
    // Read the job again once it is completed: a copy fetched while it ran has no return value yet.
    const done = (await waitFor(
      'the due job to run',
      async () => {
        const j = await reminders.getJob(jobId);
        return j && (await j.getState()) === 'completed' && (await reminders.getJob(jobId));
      },
      30000,
    )) as Job;
    expect(String(done.returnvalue)).toMatch(/^stale: due /);
    await settled(smtp, [{ queue: t.app.get<Queue>(getQueueToken(QUEUES.email)), states: ['waiting', 'active', 'delayed', 'prioritized'] }]);
    expect(smtp.messages.slice(before).map((m) => m.parsed.subject)).toEqual([]);
    expect(await t.db.dataSource.query('SELECT delivery_key FROM deliveries WHERE event_id = $1', [created.body.id])).toEqual([]);
  });
});
