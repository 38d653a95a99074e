import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig, redactUrl } from '../config/config';
import { oneLine } from '../startup/preflight';
import { QUEUES } from './catalog';
import { RedisClient } from './redis-client';

/** Errors that mean "Redis cannot be reached right now", as ioredis and BullMQ report them. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  return e.name === 'MaxRetriesPerRequestError' || /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Socket closed unexpectedly/.test(e.message ?? '');
}

interface Emitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * The one place Redis connection errors are reported. ioredis emits `error` on every reconnect
 * attempt (and a BullMQ queue without a listener prints each to stderr), so an outage would be
 * a stream of traces; here it is one warning when it starts and one when Redis answers again,
 * with how long it lasted and how many errors were absorbed. Other errors are logged as they come.
 */
@Injectable()
export class RedisOutageMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private outage?: { since: number; errors: number; timer: NodeJS.Timeout };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: RedisClient,
    private readonly moduleRef: ModuleRef,
  ) {
    this.watch('client', client.redis);
  }

  onApplicationBootstrap(): void {
    for (const name of Object.values(QUEUES)) this.watch(`queue ${name}`, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
  }

  onApplicationShutdown(): void {
    if (this.outage) clearInterval(this.outage.timer);
    this.outage = undefined;
  }

  watch(source: string, emitter: Emitter): void {
    emitter.on('error', (err) => this.report(source, err));
  }

  report(source: string, err: unknown): void {
    if (!isConnectionError(err)) {
      this.logger.warn({ err, source }, `Redis error (${source}): ${oneLine(err)}`);
      return;
    }
    if (this.outage) {
      this.outage.errors += 1;
      return;
    }
    // Probe with the fail-fast client: it answers as soon as ioredis has reconnected.
    const timer = setInterval(() => void this.probe(), 1000);
    timer.unref();
    this.outage = { since: Date.now(), errors: 1, timer };
    this.logger.warn(
      { event: 'redis_unreachable', redis: redactUrl(this.config.REDIS_URL), reason: oneLine(err) },
      `Redis at ${redactUrl(this.config.REDIS_URL)} is unreachable (${oneLine(err)}); retrying. Queued work waits; nothing is lost`,
    );
  }

  private async probe(): Promise<void> {
    const outage = this.outage;
    if (!outage) return;
    try {
      if ((await this.client.redis.ping()) !== 'PONG') return;
    } catch {
      return;
    }
    if (this.outage !== outage) return;
    clearInterval(outage.timer);
    this.outage = undefined;
    const seconds = Math.round((Date.now() - outage.since) / 100) / 10;
    this.logger.warn(
      { event: 'redis_reachable', redis: redactUrl(this.config.REDIS_URL), outageSeconds: seconds, errors: outage.errors },
      `Redis at ${redactUrl(this.config.REDIS_URL)} is reachable again after ${seconds} s (${outage.errors} connection errors while it was away)`,
    );
  }
}
