import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { queuePrefix } from './catalog';
import { producerConnection } from './redis';

/** A small fail-fast Redis client for flags and counters that live beside the queues. */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  readonly redis: Redis;
  /** Same hash-tagged prefix as the queues, so every key of the app sits in one cluster slot. */
  readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.redis = new Redis(producerConnection(config.REDIS_URL) as RedisOptions);
    // Its errors go to RedisOutageMonitor (one warning per outage); callers see their own failures.
    this.prefix = queuePrefix(config.QUEUE_PREFIX);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
