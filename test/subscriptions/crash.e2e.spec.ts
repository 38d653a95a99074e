import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUES } from '../../src/jobs/catalog';
import { Child, spawnApp } from '../ops/support';
import { TestApp, http, startTestApp } from '../support/app';
import { TestSmtp, settled, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

const ADDRESS = 'crash@example.org';

/**
 * The one window of email delivery: the SMTP server has accepted the message, and the worker
 * dies — a real SIGKILL of a real worker process — before it records `sent`. The promise: at
 * most one duplicate, with the same Message-ID, then recorded once and never sent again.
 */
describe('a worker killed between SMTP acceptance and recording sent', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  const workers: Child[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('crash', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' }, 'api');
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await t?.close();
    await smtp?.close();
  });

  const env = () => ({ DATABASE_URL: t.db.url, QUEUE_PREFIX: t.config.QUEUE_PREFIX, SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test' });
  const delivery = async () => (await t.db.dataSource.query(`SELECT status, attempts FROM deliveries WHERE kind = 'confirm'`))[0] as { status: string; attempts: number } | undefined;

  it('sends one duplicate with the same Message-ID, then records it sent once', async () => {
    const first = await spawnApp('worker', env());
    workers.push(first);
    // The listener has the message and is committed to delivering it; before its 250 reaches the
    // worker, the worker is killed. (Killed any later, its UPDATE would already be on the wire to
    // PostgreSQL, which would still record `sent`.)
    let killed = false;
    smtp.beforeAccept = async (mail) => {
      if (!mail.envelopeTo.includes(ADDRESS) || killed) return;
      killed = true;
      first.proc.kill('SIGKILL');
      await first.exited;
    };
    expect((await http(t.baseUrl, 'POST', '/v1/subscriptions', { body: { email: ADDRESS } })).status).toBe(202);
    await waitFor('the worker killed with the email accepted', () => killed && (first.proc.signalCode !== null || first.proc.exitCode !== null), 30000);
    expect(smtp.messages.filter((m) => m.envelopeTo.includes(ADDRESS))).toHaveLength(1);
    expect(await delivery()).toMatchObject({ status: 'sending', attempts: 1 });

    // A claim is presumed abandoned after a minute: that minute passes on the row, not in the test.
    await t.db.dataSource.query(`UPDATE deliveries SET updated_at = now() - interval '2 minutes' WHERE kind = 'confirm'`);
    workers.push(await spawnApp('worker', env()));
    await waitFor('the stalled job retried and recorded', async () => (await delivery())?.status === 'sent', 45000, 100);
    await settled(smtp, [{ queue: t.app.get<Queue>(getQueueToken(QUEUES.email)), states: ['waiting', 'active', 'delayed', 'prioritized'] }]);

    const sent = smtp.messages.filter((m) => m.envelopeTo.includes(ADDRESS));
    expect(sent).toHaveLength(2);
    expect(sent[1].parsed.messageId).toBe(sent[0].parsed.messageId);
    expect(await delivery()).toMatchObject({ status: 'sent', attempts: 2 });
  }, 90000);
});
