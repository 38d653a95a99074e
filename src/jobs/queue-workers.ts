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
/** How often each worker's progress is checked against its queue. */
const WATCH_EVERY_MS = 2000;
/**
 * Work ready this long (a job waiting, or a delayed job this far past due) while the worker
 * has started nothing and has a free slot means it is stuck. An idle worker that is healthy
 * takes a waiting job within BullMQ's drain delay (5 s) at worst.
 */
const STUCK_AFTER_MS = 8000;
/** Active jobs get this long to finish on shutdown; then they are left to the stalled-job check. */
const CLOSE_WITHIN_MS = 8000;

interface Watched {
  worker: Worker;
  /** When it last started a job (or was started). */
  lastActive: number;
  /** Jobs it runs now, as its events tell. */
  running: number;
  /** When the watchdog first saw jobs waiting (cleared when none are). */
  waitingSeen: number | null;
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
  private watchdog?: NodeJS.Timeout;
  private checking = false;
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
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
    this.watchdog = setInterval(() => void this.rescueStuck(), WATCH_EVERY_MS);
    this.watchdog.unref();
  }

  private start(name: QueueName): Watched {
    // Counted around the handler: BullMQ emits no event for a job that moves itself to delayed.
    const progress: Omit<Watched, 'worker'> = { lastActive: Date.now(), running: 0, waitingSeen: null };
    const w = new Worker(
      name,
      async (job, token) => {
        progress.lastActive = Date.now();
        progress.running += 1;
        try {
          return await this.dispatcher.dispatch(name, job, token);
        } finally {
          progress.running -= 1;
        }
      },
      {
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
      },
    );
    const watched: Watched = Object.assign(progress, { worker: w });
    this.redis.watch(`worker ${name}`, w);
    w.on('failed', (job, err) => {
      if (!this.database.absorbs(err)) this.logger.warn({ err, queue: name, job: job?.name, jobId: job?.id }, 'job failed');
    });
    return watched;
  }

  /**
   * A BullMQ worker can stay parked in its blocking wait after a Redis failover (a cluster
   * master or a Sentinel master replaced): its blocking client reconnects, but the wait that
   * was in flight never settles, so jobs wait while it idles, and BullMQ reports nothing (it
   * keeps connection errors of that path to itself). So the watchdog looks at progress, not
   * errors: work ready in the queue for STUCK_AFTER_MS while the worker, with a free slot,
   * has started nothing. BullMQ's maintainers advise replacing such a worker; its unfinished
   * jobs are taken over as stalled ones (handlers are idempotent).
   */
  private async rescueStuck(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.replaceStuck();
    } finally {
      this.checking = false;
    }
  }

  private async replaceStuck(): Promise<void> {
    const now = Date.now();
    for (const [name, watched] of this.workers) {
      if (watched.running >= CONCURRENCY[name]) continue;
      // Bounded: a read stuck on a client that is still switching must not wedge the watchdog.
      const readySince = await Promise.race([this.readySince(name, watched, now), new Promise<null>((r) => setTimeout(() => r(null), WATCH_EVERY_MS).unref())]).catch(() => null);
      if (readySince === null || now - Math.max(readySince, watched.lastActive) < STUCK_AFTER_MS) continue;
      if (this.workers.get(name) !== watched) continue;
      this.logger.warn(
        { event: 'worker_replaced', queue: name, readyForSeconds: Math.round((now - readySince) / 1000) },
        `the ${name} worker started no job for ${Math.round((now - Math.max(readySince, watched.lastActive)) / 1000)} s while jobs were ready; replacing it`,
      );
      this.workers.set(name, this.start(name));
      void closeWithin(watched.worker, CLOSE_WITHIN_MS);
    }
  }

  /** Since when the queue has had work a worker should have taken, or null if it has none. */
  private async readySince(name: QueueName, watched: Watched, now: number): Promise<number | null> {
    const queue = this.queues.get(name);
    if (!queue) return null;
    const [counts, next] = await Promise.all([queue.getJobCounts('wait', 'prioritized'), this.client.redis.zrange(queue.keys.delayed, 0, 0, 'WITHSCORES')]);
    const waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0);
    watched.waitingSeen = waiting > 0 ? (watched.waitingSeen ?? now) : null;
    // BullMQ scores a delayed job by its due time in ms times 0x1000 (plus a counter).
    const due = next.length === 2 ? Math.floor(Number(next[1]) / 0x1000) : null;
    const overdue = due !== null && due <= now ? due : null;
    if (watched.waitingSeen === null) return overdue;
    return overdue === null ? watched.waitingSeen : Math.min(watched.waitingSeen, overdue);
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
    clearInterval(this.watchdog);
    await this.client.redis.zrem(workerHeartbeatKey(this.client), this.id).catch(() => undefined);
    await Promise.all([...this.workers.values()].map((w) => closeWithin(w.worker, CLOSE_WITHIN_MS)));
    this.client.release();
  }
}
