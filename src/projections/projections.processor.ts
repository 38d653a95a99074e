import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { JOBS, QUEUES } from '../jobs/catalog';
import { JobDispatcher } from '../jobs/job-dispatcher';
import { SWEEP_EVERY_MS, SWEEP_SCHEDULER_ID } from './jobs/sweep.job';

/**
 * The `projections` queue's worker. Concurrency lets different projections run side by side;
 * the same projection never runs twice at once (one job id, plus the advisory lock).
 */
@Processor(QUEUES.projections, { concurrency: 8, lockDuration: 60000 })
export class ProjectionsProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly dispatcher: JobDispatcher,
    @InjectQueue(QUEUES.projections) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.dispatcher.assertComplete([QUEUES.projections]);
    await this.queue.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every: SWEEP_EVERY_MS }, { name: JOBS.projections.sweep, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }

  process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(QUEUES.projections, job);
  }
}
