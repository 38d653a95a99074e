import { Injectable } from '@nestjs/common';
import { RedisClient } from '../../jobs/redis-client';

/**
 * Deliveries finished, by outcome, counted in one Redis hash as they happen (by whichever
 * worker records them), so /metrics reads three numbers instead of counting the table.
 */
@Injectable()
export class EmailCounters {
  constructor(private readonly redis: RedisClient) {}

  private get key(): string {
    return this.redis.key('metrics', 'emails');
  }

  /** Best effort: a lost increment costs a metric, never a delivery. */
  async count(status: string, by = 1): Promise<void> {
    await this.redis.redis.hincrby(this.key, status, by).catch(() => undefined);
  }

  async read(): Promise<Record<string, number>> {
    const h = await this.redis.redis.hgetall(this.key);
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }
}
