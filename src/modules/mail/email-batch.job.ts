import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../jobs/job-handler';
import { Subscriber, SubscriberDirectory } from '../subscriptions/subscriber-directory';
import { Deliveries, Outcome } from './deliveries';
import { DeliverySender, failedAttempt } from './delivery-sender';
import type { SendEmailBatchPayload, SendEmailPayload } from './email.payload';
import { RenderScope } from './mail.types';

export interface SendEmailBatchResult {
  sent: number;
  skipped: number;
  failed: number;
  /** Left to this job's next attempt: an SMTP failure worth retrying, or a claim another attempt holds. */
  retry: number;
  /** Already settled before this attempt (sent, skipped or failed by an earlier one). */
  settled: number;
}

/**
 * Sends a fan-out's deliveries in one job, up to SEND_BATCH_SIZE: the same claim as the single
 * send job, row by row (pending -> sending, conditional, in one statement), the recipients
 * loaded together (one read of their streams, one of their keys), each rendered (in one render
 * scope: the event read and its iCalendar part built once for the batch) and sent over the
 * pooled transport side by side, the outcomes recorded together.
 *
 * Each delivery keeps its own fate: a refusal for one recipient (5xx) fails that row and no
 * other; a temporary failure puts its row back to `pending` and the job throws once the others
 * are recorded, so BullMQ retries the job with backoff and the retry claims only what is still
 * pending — a row this job sent is never claimed, so never sent, again. On the last attempt a
 * temporary failure is recorded `failed`, like the single job's.
 */
@Injectable()
@JobHandler(QUEUES.email, JOBS.email.sendBatch)
export class SendEmailBatchJob implements HandlesJob<SendEmailBatchPayload, SendEmailBatchResult> {
  private readonly logger = new Logger(SendEmailBatchJob.name);

  constructor(
    private readonly deliveries: Deliveries,
    private readonly directory: SubscriberDirectory,
    private readonly sender: DeliverySender,
  ) {}

  async handle(job: Job<SendEmailBatchPayload>): Promise<SendEmailBatchResult> {
    const list = job.data.deliveries;
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const result: SendEmailBatchResult = { sent: 0, skipped: 0, failed: 0, retry: 0, settled: 0 };
    const claimed = await this.deliveries.claimMany(list);
    // A key twice in the list is this job's once.
    const mine = list.filter((p, i) => claimed.has(p.deliveryKey) && list.findIndex((q) => q.deliveryKey === p.deliveryKey) === i);
    const others = list.filter((p) => !mine.includes(p));

    const outcomes: { key: string; o: Outcome }[] = [];
    if (others.length) {
      const rows = await this.deliveries.getMany(others.map((p) => p.deliveryKey));
      for (const p of others) {
        if (rows.get(p.deliveryKey)?.status !== 'sending') result.settled++;
        else if (last) outcomes.push({ key: p.deliveryKey, o: { status: 'failed', reason: 'another attempt held the delivery until the last retry' } });
        else result.retry++;
      }
    }

    let firstError: string | null = null;
    if (mine.length) {
      // Loaded inside the attempt: a failure here is every claimed row's failure, recorded as such.
      const scope = new RenderScope();
      const sent = await this.directory
        .subscribers(mine.map((p) => p.subscriptionId))
        .then((subs) => Promise.all(mine.map((p) => this.sendOne(p, subs.get(p.subscriptionId) ?? null, scope))))
        .catch((err: unknown) => mine.map(() => ({ error: err })));
      sent.forEach((r, i) => {
        if ('o' in r) return outcomes.push({ key: mine[i].deliveryKey, o: r.o });
        const f = failedAttempt(r.error, attempt, last);
        outcomes.push({ key: mine[i].deliveryKey, o: f.outcome });
        if (f.outcome.status === 'pending') {
          result.retry++;
          firstError ??= f.message;
        }
      });
    }
    await Promise.all(outcomes.map(({ key, o }) => this.deliveries.record(key, o)));
    for (const { o } of outcomes) if (o.status !== 'pending') result[o.status]++;
    if (result.retry) {
      this.logger.warn({ jobId: job.id, attempt, ...result }, 'some deliveries of the batch go again with the next attempt');
      throw new Error(`${result.retry} of ${list.length} deliveries to try again${firstError ? `; first failure ${firstError}` : ': another attempt holds them'}`);
    }
    return result;
  }

  private async sendOne(p: SendEmailPayload, sub: Subscriber | null, scope: RenderScope): Promise<{ o: Outcome } | { error: unknown }> {
    try {
      return { o: await this.sender.send(p, sub, scope) };
    } catch (error) {
      return { error };
    }
  }
}
