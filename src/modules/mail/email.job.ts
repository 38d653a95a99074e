import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../jobs/job-handler';
import { SubscriberDirectory } from '../subscriptions/subscriber-directory';
import { Deliveries } from './deliveries';
import { EmailRenderers } from './email-renderers';
import { type SendEmailPayload, messageIdFor } from './email.payload';
import { Mailer, OutgoingMail } from './mail.types';
import { failureReason } from './failure-reason';
import { PermanentMailError } from './mailers';

export type { SendEmailPayload } from './email.payload';
export { messageIdFor, sendEmailJobId } from './email.payload';

type Attempt = { status: 'sent'; messageId: string } | { status: 'skipped'; reason: string } | { status: 'failed'; reason: string };

/**
 * Sends one delivery: claim the `deliveries` row (pending -> sending, conditional, so two jobs
 * cannot both send), load and decrypt the recipient, render, send, record.
 *
 * - Not sendable (erased, unsubscribed, not confirmed — a 'confirm' email only needs the
 *   subscription to be pending or confirmed), or the renderer says skip: `skipped` + reason.
 * - SMTP failure: thrown, so BullMQ retries with exponential backoff; the row goes back to
 *   `pending` with the error as reason, and to `failed` after the last attempt (or at once on
 *   a permanent 5xx refusal).
 * - A `sent` row is never sent again.
 *
 * The one window left: a worker killed after the SMTP server accepted the message but before
 * the row says `sent`. The claim then goes stale and a retry sends again: at most one
 * duplicate, with the same Message-ID (so many clients fold it). Closing the window would
 * need the SMTP server to take part in the transaction; documented in the README.
 */
@Injectable()
@JobHandler(QUEUES.email, JOBS.email.send)
export class SendEmailJob implements HandlesJob<SendEmailPayload> {
  constructor(
    private readonly deliveries: Deliveries,
    private readonly directory: SubscriberDirectory,
    private readonly renderers: EmailRenderers,
    private readonly mailer: Mailer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(job: Job<SendEmailPayload>): Promise<string> {
    const p = job.data;
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const claimed = await this.deliveries.claim(p);
    if (!claimed) {
      const d = await this.deliveries.get(p.deliveryKey);
      if (d?.status !== 'sending') return d?.status ?? 'missing'; // already sent, skipped or failed
      if (last) {
        await this.deliveries.record(p.deliveryKey, { status: 'failed', reason: 'another attempt held the delivery until the last retry' });
        return 'failed';
      }
      throw new Error('another attempt is sending this delivery; checking again later');
    }
    try {
      const outcome = await this.attempt(p);
      await this.deliveries.record(p.deliveryKey, outcome);
      return outcome.status;
    } catch (err) {
      const permanent = err instanceof PermanentMailError;
      // Stored, listed and logged (BullMQ keeps the thrown message while it retries): without addresses.
      const { code, reason } = failureReason(err);
      await this.deliveries.record(p.deliveryKey, last || permanent ? { status: 'failed', reason, code } : { status: 'pending', reason: `attempt ${job.attemptsMade + 1} failed: ${reason}`, code });
      const message = `${code}: ${reason}`;
      throw permanent ? new UnrecoverableError(message) : new Error(message);
    }
  }

  private async attempt(p: SendEmailPayload): Promise<Attempt> {
    const sub = await this.directory.subscriber(p.subscriptionId);
    if (!sub) return { status: 'skipped', reason: 'unknown subscription' };
    if (!sub.recipient) return { status: 'skipped', reason: 'the subscriber was erased' };
    const sendable = p.kind === 'confirm' ? sub.status === 'pending' || sub.status === 'confirmed' : sub.status === 'confirmed';
    if (!sendable) return { status: 'skipped', reason: `the subscription is ${sub.status}` };
    const renderer = this.renderers.get(p.kind);
    if (!renderer) return { status: 'failed', reason: `no renderer for email kind ${p.kind}` };
    const rendered = await renderer.render(p.payload, sub.recipient);
    if ('skip' in rendered) return { status: 'skipped', reason: rendered.skip };
    const mail: OutgoingMail = {
      ...rendered,
      to: sub.recipient.email,
      messageId: messageIdFor(p.deliveryKey, this.config.MAIL_FROM),
      // RFC 8058 one-click unsubscribe on every email to a subscriber, whatever its kind.
      headers: { ...rendered.headers, 'List-Unsubscribe': `<${sub.recipient.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
    const sent = await this.mailer.send(mail);
    if (!sent.accepted) throw new Error('the mail server accepted no recipient');
    return { status: 'sent', messageId: sent.messageId };
  }
}
