import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../../jobs/job-handler';
import { RepeatableJobScheduler } from '../../../jobs/repeatable-job.scheduler';
import { HorizonExtender } from '../planning/horizon.extender';

export const EXTEND_HORIZON_EVERY_MS = 3600_000;
export const EXTEND_HORIZON_SCHEDULER_ID = 'reminders-extend-horizon';

/** Payload of `reminders/extend-horizon`: nothing but the moment, taken when the job runs. */
export type ExtendHorizonPayload = Record<string, never>;

/**
 * Repeatable: moves every recurring series' reminder horizon on, so instances are planned a
 * little over the longest lead time ahead and never years ahead. One scheduler id, so however
 * many workers assert it, one job runs per period.
 */
@Injectable()
@JobHandler(QUEUES.reminders, JOBS.reminders.extendHorizon)
export class ExtendHorizonJob implements HandlesJob<ExtendHorizonPayload> {
  constructor(private readonly extender: HorizonExtender) {}

  handle(_job: Job<ExtendHorizonPayload>): Promise<{ position: string | null; due: number }> {
    return this.extender.extend();
  }
}

/** Keeps the repeatable job scheduled (worker role), and runs it once at start (a rebuild may have left horizons short). */
@Injectable()
export class ExtendHorizonScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(QUEUES.reminders) queue: Queue) {
    super(queue, {
      schedulerId: EXTEND_HORIZON_SCHEDULER_ID,
      name: JOBS.reminders.extendHorizon,
      data: {},
      everyMs: EXTEND_HORIZON_EVERY_MS,
      reassertEveryMs: EXTEND_HORIZON_EVERY_MS,
      what: 'reminder horizon extension',
    });
  }
}
