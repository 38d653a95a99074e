import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JOBS, QUEUES } from '../jobs/catalog';
import { SWEEP_EVERY_MS, SWEEP_SCHEDULER_ID } from './jobs/sweep.job';

/** Keeps the repeatable sweep job scheduled (worker role). */
@Injectable()
export class ProjectionSweepScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionSweepScheduler.name);
  private timer?: NodeJS.Timeout;

  constructor(@InjectQueue(QUEUES.projections) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureSweep();
    // A Redis restarted without persistence forgets the scheduler: upserting it again is
    // idempotent and cheap, so every worker re-asserts it now and then.
    this.timer = setInterval(() => void this.ensureSweep(), 5 * SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async ensureSweep(): Promise<void> {
    try {
      await this.queue.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every: SWEEP_EVERY_MS }, { name: JOBS.projections.sweep, opts: { removeOnComplete: true, removeOnFail: true } });
    } catch (err) {
      this.logger.warn({ err }, 'could not schedule the projection sweep (Redis down?); retrying later');
    }
  }
}
