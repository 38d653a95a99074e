import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MetricsTime, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CONCURRENCY, QUEUES, QueueName, queuePrefix } from './catalog';
import { JobDispatcher } from './job-dispatcher';
import { workerConnection } from './redis';
import { DatabaseOutageMonitor } from '../database/database-outage';
import { RedisOutageMonitor } from './redis-outage';

/**
 * The BullMQ workers of a `worker` process: one per queue, each routing jobs to their handler
 * classes. Refuses to start when a job of the catalog has no handler. On shutdown, workers
 * finish their active jobs (or hand them back to the queue) before the process exits.
 */
@Injectable()
export class QueueWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueWorkers.name);
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dispatcher: JobDispatcher,
    private readonly redis: RedisOutageMonitor,
    private readonly database: DatabaseOutageMonitor,
  ) {}

  onApplicationBootstrap(): void {
    const queues = Object.values(QUEUES) as QueueName[];
    this.dispatcher.assertComplete(queues);
    for (const name of queues) {
      const w = new Worker(name, (job, token) => this.dispatcher.dispatch(name, job, token), {
        connection: workerConnection(this.config.REDIS_URL),
        prefix: queuePrefix(this.config.QUEUE_PREFIX),
        concurrency: CONCURRENCY[name],
        // A killed worker's active job keeps its lock until it expires, and its deduplicated
        // job id blocks new wake-ups meanwhile: keep the lock short (it is renewed every
        // lockDuration/2 while the job runs) and look for stalled jobs often.
        lockDuration: 10000,
        stalledInterval: 5000,
        // BullMQ counts completed and failed jobs only when asked to (almanac_queue_job_outcomes).
        metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      });
      this.redis.watch(`worker ${name}`, w);
      w.on('failed', (job, err) => {
        if (!this.database.absorbs(err)) this.logger.warn({ err, queue: name, job: job?.name, jobId: job?.id }, 'job failed');
      });
      this.workers.push(w);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
