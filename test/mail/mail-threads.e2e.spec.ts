import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { QUEUES } from '../../src/jobs/catalog';
import { Deliveries, EnqueueDelivery } from '../../src/modules/mail/deliveries';
import { messageIdFor } from '../../src/modules/mail/email.payload';
import { Mailer } from '../../src/modules/mail/mail.types';
import { SmtpMailer } from '../../src/modules/mail/mailers';
import type { ConfirmEmailPayload } from '../../src/modules/subscriptions/confirm/confirm.renderer';
import type { Preferences } from '../../src/modules/subscriptions/domain/subscription';
import { TestApp, startTestApp } from '../support/app';
import { TestSmtp, header, settled, startTestSmtp } from '../support/smtp';
import { appendConfirmedSubscriber } from '../support/subscriber';
import { waitFor } from '../support/wait';

const preferences: Preferences = { countries: ['KR'], programmes: [], eventIds: [], leadTimes: ['PT5M'], locale: 'en' };

/**
 * Emails are built and sent in mail threads (MAIL_THREADS), the job keeping the claim and the
 * record. One thread and one SMTP connection here, so exactly one message is on the wire when the
 * thread is ended: the listener holds that message unanswered, the test ends the thread, and the
 * message is never accepted. The sends the thread held fail like an SMTP failure, the batch job
 * retries them on a new thread, and every delivery is accepted exactly once.
 */
describe('mail threads (e2e, real SMTP listener)', () => {
  let smtp: TestSmtp;
  let t: TestApp;
  let email: Queue;
  let mailer: SmtpMailer;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp('mailthreads', { SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'https://almanac.test', MAIL_THREADS: '1', SMTP_MAX_CONNECTIONS: '1' }, 'all');
    email = t.app.get<Queue>(getQueueToken(QUEUES.email));
    mailer = t.app.get(Mailer) as SmtpMailer;
  }, 60000);

  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const subscriber = (address: string): Promise<string> => appendConfirmedSubscriber(t.app, address, preferences);

  it('a mail thread ended mid-send loses nothing and sends nothing twice: its sends go again with the next attempt, each delivery accepted once', async () => {
    const tag = randomUUID().slice(0, 8);
    const addresses = Array.from({ length: 8 }, (_, i) => `reader-${i}-${tag}@example.org`);
    const victim = addresses[2];
    const ids = await Promise.all(addresses.map(subscriber));
    const list: EnqueueDelivery[] = ids.map((subscriptionId) => ({
      deliveryKey: `confirm|${subscriptionId}|threads-test`,
      kind: 'confirm',
      subscriptionId,
      eventId: null,
      payload: { confirmUrl: 'https://almanac.test/v1/subscriptions/confirm?token=t', preferences } satisfies ConfirmEmailPayload,
    }));
    const accepted = new Map<string, number>();
    let ended = 0;
    smtp.beforeAccept = async (m) => {
      if (m.envelopeTo.includes(victim) && ended === 0) {
        ended = mailer.threads.length;
        await Promise.all(mailer.threads.map((w) => w.terminate()));
        // Never answered 250: the connection went with the thread.
        throw Object.assign(new Error('connection lost'), { responseCode: 421 });
      }
      for (const a of m.envelopeTo) accepted.set(a, (accepted.get(a) ?? 0) + 1);
    };

    expect(await t.app.get(Deliveries).enqueueMany(list)).toBe(list.length);
    const rows = await waitFor(
      'every delivery sent',
      async () => {
        const found: { delivery_key: string; status: string; attempts: number; message_id: string }[] = await t.db.dataSource.query(
          'SELECT delivery_key, status, attempts, message_id FROM deliveries WHERE delivery_key = ANY($1::text[])',
          [list.map((d) => d.deliveryKey)],
        );
        return found.length === list.length && found.every((r) => r.status === 'sent') ? found : null;
      },
      30000,
    );
    await settled(smtp, [{ queue: email, states: ['waiting', 'active', 'delayed', 'prioritized'] }]);

    expect(ended).toBe(1);
    expect(addresses.map((a) => accepted.get(a) ?? 0)).toEqual(addresses.map(() => 1));
    const victimRow = rows.find((r) => r.delivery_key === list[2].deliveryKey)!;
    expect(victimRow.attempts).toBe(2);
    // Built in the thread as the job asked: each accepted message carries its delivery's Message-ID and the one-click unsubscribe headers.
    for (const d of list) {
      const got = smtp.messages.filter((m) => header(m.parsed, 'message-id') === messageIdFor(d.deliveryKey, t.config.MAIL_FROM));
      expect(got.length).toBeGreaterThanOrEqual(1);
      expect(header(got[got.length - 1].parsed, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    }
  });
});
