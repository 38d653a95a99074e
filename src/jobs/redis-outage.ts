import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { Outage, oneLine } from '../common/outage';
import { QUEUES } from './catalog';
import { RedisClient } from './redis-client';
import { redisRoundTrip } from './redis-probe';

/** A probe slower than this counts as failed (a cluster client may retry redirections for longer). */
const PROBE_TIMEOUT_MS = 2000;
const CONFIRM_TIMEOUT_MS = 1000;

function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Errors that mean "Redis cannot be reached right now", as ioredis and BullMQ report them. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
export function isRedisConnectionError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    e.name === 'ClusterAllFailedError' ||
    /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Socket closed unexpectedly|None of startup nodes|CLUSTERDOWN|Cluster isn't ready|Failed to refresh slots/.test(e.message ?? '')
  );
}

interface Emitter {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * The one place Redis connection errors are reported. ioredis emits `error` on every reconnect
 * attempt (and a BullMQ queue without a listener prints each to stderr), so an outage would be
 * a stream of traces; here it is one warning when it starts and one when Redis answers again.
 * Other Redis errors are logged as they come.
 */
@Injectable()
export class RedisOutageMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly outage: Outage;

  constructor(
    client: RedisClient,
    private readonly moduleRef: ModuleRef,
  ) {
    // Redis is reachable when the service's own keys are: a PING answered by any cluster node
    // would end an outage while the master of the service's slot is still dead, and a stray
    // error from a node no longer needed (a dead master after its replica took over) would
    // start a second one. So the probe is the readiness round trip, and it confirms an outage
    // before the warning.
    // The confirmation is short: a master's replacement takes longer (at least the cluster's
    // node timeout), and an error the round trip outlives is no outage of the service.
    const roundTrip = (ms: number) => () => within(ms, redisRoundTrip(client.redis, client.prefix));
    this.outage = new Outage(this.logger, { name: 'Redis', event: 'redis', url: client.description }, roundTrip(PROBE_TIMEOUT_MS), { confirm: roundTrip(CONFIRM_TIMEOUT_MS) });
    this.watch('client', client.redis);
    // A cluster client reports each node's connection errors as 'node error'.
    client.redis.on('node error', (err: unknown) => this.report('cluster node', err));
  }

  onApplicationBootstrap(): void {
    for (const name of Object.values(QUEUES)) this.watch(`queue ${name}`, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
  }

  onApplicationShutdown(): void {
    this.outage.stop();
  }

  watch(source: string, emitter: Emitter): void {
    emitter.on('error', (err) => this.report(source, err));
  }

  report(source: string, err: unknown): void {
    if (isRedisConnectionError(err)) this.outage.failed(err);
    else this.logger.warn({ err, source }, `Redis error (${source}): ${oneLine(err)}`);
  }
}
