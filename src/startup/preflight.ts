import Redis from 'ioredis';
import { Client } from 'pg';
import { oneLine } from '../common/outage';
import { ConfigError, redactUrl } from '../config/config';
import { redisOptions } from '../jobs/redis';

/**
 * PostgreSQL answers at DATABASE_URL (a missing database is fine: start-up creates it).
 * Otherwise one line naming the server and the variable, instead of a driver's stack trace.
 */
export async function checkDatabase(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return; // invalid_catalog_name: created next
    throw new ConfigError(`cannot use PostgreSQL at ${redactUrl(url)}: ${oneLine(err)}. Start it, or set DATABASE_URL (postgres://user:password@host:5432/almanac)`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Redis answers PING at REDIS_URL; otherwise one line naming it and the variable. */
export async function checkRedis(url: string): Promise<void> {
  const redis = new Redis({ ...redisOptions(url), lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let lastError: unknown;
  redis.on('error', (err) => (lastError = err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new ConfigError(`cannot reach Redis at ${redactUrl(url)}: ${oneLine(lastError ?? err)}. Start it, or set REDIS_URL (redis://host:6379)`);
  } finally {
    redis.disconnect();
  }
}
