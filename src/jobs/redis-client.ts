import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { queuePrefix } from './catalog';
import { RedisConnection, RedisMode, RedisTopology, bullConnection, createRedis, describeRedis, redisTopology } from './redis';

/**
 * The process's fail-fast Redis client (flags, counters, rate limits, the dev mailbox) and the
 * one place that knows which Redis is configured: a single node, Sentinel, or a Cluster.
 */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  readonly redis: RedisConnection;
  /** Same hash-tagged prefix as the queues, so every key of the app sits in one cluster slot. */
  readonly prefix: string;
  readonly topology: RedisTopology;
  /** Cluster clients handed to BullMQ workers; closed after them (BullMQ leaves shared clients open). */
  private readonly owned: RedisConnection[] = [];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.topology = redisTopology(config);
    this.redis = createRedis(this.topology, 'producer');
    // Its errors go to RedisOutageMonitor (one warning per outage); callers see their own failures.
    this.prefix = queuePrefix(config.QUEUE_PREFIX);
  }

  get description(): string {
    return describeRedis(this.topology);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** BullMQ's connection: queues share the fail-fast client; workers get a retrying one. */
  bull(mode: RedisMode): ConnectionOptions {
    return bullConnection(this.topology, mode, () => {
      if (mode === 'producer') return this.redis as Cluster;
      const c = createRedis(this.topology, mode) as Cluster;
      this.owned.push(c);
      return c;
    });
  }

  /** Disconnects the clients handed to workers (call after closing them). */
  release(): void {
    for (const c of this.owned.splice(0)) c.disconnect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.release();
    this.redis.disconnect();
  }
}
