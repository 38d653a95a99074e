import { Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../jobs/job-handler';
import { SubscriberDirectory } from '../subscriptions/subscriber-directory';
import { Deliveries } from './deliveries';
import { DeliverySender, failedAttempt } from './delivery-sender';
import type { SendEmailPayload } from './email.payload';

export type { SendEmailPayload } from './email.payload';
export { messageIdFor, sendEmailJobId } from './email.payload';

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
    private readonly sender: DeliverySender,
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
      const outcome = await this.sender.send(p, await this.directory.subscriber(p.subscriptionId));
      await this.deliveries.record(p.deliveryKey, outcome);
      return outcome.status;
    } catch (err) {
      const { outcome, permanent, message } = failedAttempt(err, job.attemptsMade + 1, last);
      await this.deliveries.record(p.deliveryKey, outcome);
      throw permanent ? new UnrecoverableError(message) : new Error(message);
    }
  }
}
