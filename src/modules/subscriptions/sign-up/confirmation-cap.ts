import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { deriveSecret } from '../../../config/secrets';
import { RedisClient } from '../../../jobs/redis-client';
import { normaliseEmail } from '../personal-data.vault';

/** Confirmation emails one address may receive in any 24 hours. */
export const CONFIRMATIONS_PER_DAY = 3;
const WINDOW_MS = 24 * 3600_000;

/** Sliding window, atomic: drop entries older than the window, refuse when full, else add one. */
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * At most CONFIRMATIONS_PER_DAY confirmation emails per address in any 24 h, so sign-ups
 * cannot be used to flood someone's mailbox. Counted in Redis under a keyed hash of the
 * address (its own key: it cannot be matched with the database's address hash), never the address.
 */
@Injectable()
export class ConfirmationCap {
  private readonly hashKey: Buffer;

  constructor(
    private readonly redis: RedisClient,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.hashKey = deriveSecret(config, 'sign-up-cap');
  }

  private key(email: string): string {
    return this.redis.key('confirm-cap', createHmac('sha256', this.hashKey).update(normaliseEmail(email)).digest('hex'));
  }

  /** Takes a slot; null when the address has had its share. Give the slot back if nothing was sent. */
  async take(email: string): Promise<{ release(): Promise<void> } | null> {
    const key = this.key(email);
    const member = randomUUID();
    const ok = await this.redis.redis.eval(TAKE, 1, key, String(Date.now()), String(WINDOW_MS), String(CONFIRMATIONS_PER_DAY), member);
    if (ok !== 1) return null;
    return { release: async () => void (await this.redis.redis.zrem(key, member)) };
  }
}
