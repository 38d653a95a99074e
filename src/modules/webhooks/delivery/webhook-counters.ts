import { Injectable } from '@nestjs/common';
import { RedisClient } from '../../../jobs/redis-client';

export type DeliveryOutcome = 'sent' | 'failed';

/**
 * Deliveries per endpoint and outcome, counted in Redis as they happen (by whichever worker
 * sends), so /metrics reads a hash instead of counting the deliveries table.
 */
@Injectable()
export class WebhookCounters {
  constructor(private readonly redis: RedisClient) {}

  private key(outcome: DeliveryOutcome): string {
    return this.redis.key('metrics', 'webhooks', outcome);
  }

  /** Best effort: a lost increment costs a metric, never a delivery. */
  async count(endpointId: string, sent: number, failed: number): Promise<void> {
    const m = this.redis.redis.multi();
    if (sent) m.hincrby(this.key('sent'), endpointId, sent);
    if (failed) m.hincrby(this.key('failed'), endpointId, failed);
    if (sent || failed) await m.exec().catch(() => undefined);
  }

  async read(): Promise<Record<DeliveryOutcome, Record<string, number>>> {
    await this.connected();
    const [sent, failed] = await Promise.all([this.redis.redis.hgetall(this.key('sent')), this.redis.redis.hgetall(this.key('failed'))]);
    const nums = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
    return { sent: nums(sent), failed: nums(failed) };
  }

  /** The client fails fast (no offline queue): a process that reads at once (the CLI) waits for the connection first. */
  private async connected(): Promise<void> {
    const r = this.redis.redis;
    if (r.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis is not reachable (REDIS_URL)')), 5000);
      r.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async forget(endpointId: string): Promise<void> {
    await Promise.all([this.redis.redis.hdel(this.key('sent'), endpointId), this.redis.redis.hdel(this.key('failed'), endpointId)]).catch(() => undefined);
  }
}
