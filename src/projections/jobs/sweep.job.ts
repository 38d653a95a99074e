import { Injectable } from '@nestjs/common';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../jobs/job-handler';
import { ProjectionWaker } from '../projection.waker';

export const SWEEP_EVERY_MS = 2000;
export const SWEEP_SCHEDULER_ID = 'projections-sweep';

/** Repeatable safety net: wakes every projection, so a lost wake-up costs at most a sweep period. */
@Injectable()
@JobHandler(QUEUES.projections, JOBS.projections.sweep)
export class SweepJob implements HandlesJob {
  constructor(private readonly waker: ProjectionWaker) {}

  async handle(): Promise<void> {
    await this.waker.wakeAll();
  }
}
