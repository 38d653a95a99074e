import type { RedisOptions } from 'bullmq';

/** ioredis options from REDIS_URL (redis:// or rediss://). */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Workers block on Redis: they must retry for ever (BullMQ requires this). */
export const workerConnection = (url: string): RedisOptions => ({ ...redisOptions(url), maxRetriesPerRequest: null });

/** Producers on the request path fail fast when Redis is down instead of queueing commands. */
export const producerConnection = (url: string): RedisOptions => ({ ...redisOptions(url), maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
