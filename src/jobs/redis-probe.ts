import { randomBytes } from 'node:crypto';
import type { RedisConnection, RedisTopology } from './redis';

/**
 * A round trip through the service's own hash-tagged key space, as BullMQ uses it: a
 * multi-key script over two keys of the prefix (what every queue operation is). A PING
 * succeeds on any node; this fails on a cluster node reached as a single node (MOVED), on a
 * prefix that is not one slot (CROSSSLOT), on a full Redis (OOM) and on a read-only replica.
 */
const SCRIPT = "redis.call('SET', KEYS[1], ARGV[1], 'PX', 10000); redis.call('SET', KEYS[2], ARGV[1], 'PX', 10000); return redis.call('GET', KEYS[1])";

export async function redisRoundTrip(redis: RedisConnection, prefix: string): Promise<void> {
  const token = randomBytes(6).toString('hex');
  const keys = [`${prefix}:health:a:${token}`, `${prefix}:health:b:${token}`];
  const got = await redis.eval(SCRIPT, 2, ...keys, token);
  if (got !== token) throw new Error(`round trip through ${prefix} returned ${String(got)}`);
  await redis.del(keys[0]).catch(() => undefined);
  await redis.del(keys[1]).catch(() => undefined);
}

/** The reason a round trip failed, saying what to change when Redis is not what the configuration says. */
export function explainRedisFailure(err: unknown, topology: RedisTopology): string {
  const message = (err as Error)?.message ?? String(err);
  if (/^MOVED|^ASK /.test(message) && topology.kind !== 'cluster') {
    return `${message.split('\n')[0]}: this Redis is a cluster node; set REDIS_CLUSTER_NODES (host:port,…) instead of REDIS_URL`;
  }
  if (/^CROSSSLOT/.test(message)) return `${message.split('\n')[0]}: the queue prefix is not one hash slot`;
  if (/^READONLY/.test(message)) return `${message.split('\n')[0]}: this Redis is a read-only replica; point the service at the master (or use Sentinel)`;
  return message.split('\n')[0];
}
