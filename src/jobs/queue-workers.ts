import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MetricsTime, Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CONCURRENCY, QUEUES, QueueName } from './catalog';
import { JobDispatcher } from './job-dispatcher';
import { RedisClient } from './redis-client';
import { DatabaseOutageMonitor } from '../database/database-outage';
import { RedisOutageMonitor } from './redis-outage';

export const HEARTBEAT_EVERY_MS = 5000;
/** A sorted set of worker processes by their last beat (ms), beside the queues. */
export const workerHeartbeatKey = (client: RedisClient): string => client.key('workers', 'heartbeat');

/**
 * The BullMQ workers of a `worker` process: one per queue, each routing jobs to their handler
 * classes. Refuses to start when a job of the catalog has no handler. On shutdown, workers
 * finish their active jobs (or hand them back to the queue) before the process exits.
 */
@Injectable()
export class QueueWorkers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueWorkers.name);
  private readonly workers: Worker[] = [];
  private heartbeat?: NodeJS.Timeout;
  private readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly client: RedisClient,
    private readonly dispatcher: JobDispatcher,
    private readonly redis: RedisOutageMonitor,
    private readonly database: DatabaseOutageMonitor,
  ) {}

  onApplicationBootstrap(): void {
    const queues = Object.values(QUEUES) as QueueName[];
    this.dispatcher.assertComplete(queues);
    for (const name of queues) {
      const w = new Worker(name, (job) => this.dispatcher.dispatch(name, job), {
        connection: this.client.bull('worker'),
        prefix: this.client.prefix,
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
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
  }

  /** Readiness looks at the newest beat; a failed beat is covered by the next one. */
  private beat(): void {
    const key = workerHeartbeatKey(this.client);
    const now = Date.now();
    void this.client.redis
      .multi()
      .zadd(key, now, this.id)
      .zremrangebyscore(key, 0, now - 10 * HEARTBEAT_EVERY_MS)
      .exec()
      .catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.client.redis.zrem(workerHeartbeatKey(this.client), this.id).catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.close()));
    this.client.release();
  }
}
