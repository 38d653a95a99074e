import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { ModuleRef } from '@nestjs/core';
import { MetricsTime, Queue, Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CONCURRENCY, QUEUES, QueueName } from './catalog';
import { JobDispatcher } from './job-dispatcher';
import { RedisClient } from './redis-client';
import { DatabaseOutageMonitor } from '../database/database-outage';
import { RedisOutageMonitor } from './redis-outage';

export const HEARTBEAT_EVERY_MS = 5000;
/** A worker idle this long after a Redis error while jobs wait is stuck. */
const STUCK_AFTER_MS = 8000;
/** Active jobs get this long to finish on shutdown; then they are left to the stalled-job check. */
const CLOSE_WITHIN_MS = 8000;

interface Watched {
  worker: Worker;
  lastActive: number;
  redisErrorSince: number | null;
}

async function closeWithin(w: Worker, ms: number): Promise<void> {
  const timeout = (t: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), t).unref());
  if ((await Promise.race([w.close().then(() => 'closed' as const), timeout(ms)])) === 'late') await Promise.race([w.close(true), timeout(1000)]);
}
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
  private readonly workers = new Map<QueueName, Watched>();
  private heartbeat?: NodeJS.Timeout;
  private readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly client: RedisClient,
    private readonly dispatcher: JobDispatcher,
    private readonly redis: RedisOutageMonitor,
    private readonly database: DatabaseOutageMonitor,
    private readonly moduleRef: ModuleRef,
  ) {}

  private get queues(): Map<QueueName, Queue> {
    return new Map((Object.values(QUEUES) as QueueName[]).map((n) => [n, this.moduleRef.get<Queue>(getQueueToken(n), { strict: false })]));
  }

  onApplicationBootstrap(): void {
    const queues = Object.values(QUEUES) as QueueName[];
    this.dispatcher.assertComplete(queues);
    for (const name of queues) this.workers.set(name, this.start(name));
    this.beat();
    this.heartbeat = setInterval(() => {
      this.beat();
      void this.rescueStuck();
    }, HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
  }

  private start(name: QueueName): Watched {
    const w = new Worker(name, (job, token) => this.dispatcher.dispatch(name, job, token), {
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
    const watched: Watched = { worker: w, lastActive: Date.now(), redisErrorSince: null };
    this.redis.watch(`worker ${name}`, w);
    w.on('error', () => (watched.redisErrorSince ??= Date.now()));
    w.on('active', () => {
      watched.lastActive = Date.now();
      watched.redisErrorSince = null;
    });
    w.on('failed', (job, err) => {
      if (!this.database.absorbs(err)) this.logger.warn({ err, queue: name, job: job?.name, jobId: job?.id }, 'job failed');
    });
    return watched;
  }

  /**
   * A BullMQ worker can stay blocked on a connection ioredis has given up on after a Redis
   * failover (a cluster master or a Sentinel master replaced): jobs wait while it idles.
   * BullMQ's maintainers advise replacing such a worker; its unfinished jobs are taken over
   * as stalled ones (handlers are idempotent).
   */
  private async rescueStuck(): Promise<void> {
    for (const [name, watched] of this.workers) {
      if (watched.redisErrorSince === null || Date.now() - Math.max(watched.lastActive, watched.redisErrorSince) < STUCK_AFTER_MS) continue;
      const waiting = await this.queues.get(name)?.getWaitingCount().catch(() => 0);
      if (!waiting || this.workers.get(name) !== watched) continue;
      this.logger.warn({ event: 'worker_replaced', queue: name, waiting }, `the ${name} worker idled with ${waiting} jobs waiting after a Redis error; replacing it`);
      this.workers.set(name, this.start(name));
      void closeWithin(watched.worker, 1000);
    }
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
    await Promise.all([...this.workers.values()].map((w) => closeWithin(w.worker, CLOSE_WITHIN_MS)));
    this.client.release();
  }
}
