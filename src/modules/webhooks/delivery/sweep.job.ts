import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../../jobs/job-handler';
import { RepeatableJobScheduler } from '../../../jobs/repeatable-job.scheduler';
import { EndpointsRepository } from '../endpoints.repository';
import { WebhookWaker } from './webhook.waker';

export const WEBHOOK_SWEEP_EVERY_MS = 3000;
const SCHEDULER_ID = 'webhooks-sweep';

/**
 * Repeatable safety net: wakes every active endpoint, so a lost wake-up costs at most a sweep
 * period; and deletes delivery attempts past their retention (an indexed delete that usually
 * finds nothing), so the attempts table does not grow for ever.
 */
@Injectable()
@JobHandler(QUEUES.webhooks, JOBS.webhooks.sweep)
export class WebhookSweepJob implements HandlesJob {
  constructor(
    private readonly waker: WebhookWaker,
    private readonly endpoints: EndpointsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(): Promise<void> {
    await this.waker.wakeActive();
    await this.endpoints.pruneAttempts(this.config.WEBHOOKS_ATTEMPTS_RETENTION_DAYS);
  }
}

/** Keeps the sweep scheduled (worker role); re-asserted now and then in case Redis forgot it. */
@Injectable()
export class WebhookSweepScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(QUEUES.webhooks) queue: Queue) {
    super(queue, { schedulerId: SCHEDULER_ID, name: JOBS.webhooks.sweep, everyMs: WEBHOOK_SWEEP_EVERY_MS, reassertEveryMs: 10 * WEBHOOK_SWEEP_EVERY_MS, what: 'webhook sweep' });
  }
}
