import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JOBS, QUEUES } from '../jobs/catalog';
import { RepeatableJobScheduler } from '../jobs/repeatable-job.scheduler';
import { SWEEP_EVERY_MS, SWEEP_SCHEDULER_ID } from './jobs/sweep.job';

/** Keeps the repeatable sweep job scheduled (worker role). */
@Injectable()
export class ProjectionSweepScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(QUEUES.projections) queue: Queue) {
    super(queue, { schedulerId: SWEEP_SCHEDULER_ID, name: JOBS.projections.sweep, everyMs: SWEEP_EVERY_MS, reassertEveryMs: 5 * SWEEP_EVERY_MS, what: 'projection sweep' });
  }
}
