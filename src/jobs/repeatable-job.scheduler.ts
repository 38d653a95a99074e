import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';

export interface RepeatableJob {
  /** The BullMQ job scheduler's id: one per job, whatever the number of workers. */
  schedulerId: string;
  name: string;
  everyMs: number;
  /** How often each worker upserts the scheduler again. */
  reassertEveryMs: number;
  /** For the log: what could not be scheduled. */
  what: string;
  /** The payload each run gets, when the job takes one. */
  data?: object;
}

/**
 * Keeps a repeatable job scheduled (worker role). A Redis restarted without persistence forgets
 * the scheduler: upserting it again is idempotent and cheap, so every worker re-asserts it now
 * and then.
 */
export abstract class RepeatableJobScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  protected constructor(
    private readonly queue: Queue,
    private readonly job: RepeatableJob,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensure();
    this.timer = setInterval(() => void this.ensure(), this.job.reassertEveryMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async ensure(): Promise<void> {
    const { schedulerId, name, everyMs, data } = this.job;
    try {
      await this.queue.upsertJobScheduler(schedulerId, { every: everyMs }, { name, ...(data ? { data } : {}), opts: { removeOnComplete: true, removeOnFail: true } });
    } catch (err) {
      this.logger.warn({ err }, `could not schedule the ${this.job.what} (Redis down?); retrying later`);
    }
  }
}
