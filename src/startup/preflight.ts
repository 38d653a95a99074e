import { Client } from 'pg';
import { oneLine } from '../common/outage';
import { AppConfig, ConfigError, redactUrl } from '../config/config';
import { queuePrefix } from '../jobs/catalog';
import { createRedis, describeRedis, redisTopology, redisVariables } from '../jobs/redis';
import { isRedisConnectionError } from '../jobs/redis-outage';
import { explainRedisFailure, redisRoundTrip } from '../jobs/redis-probe';

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

/**
 * The configured Redis answers a round trip through the service's own keys (a cluster node
 * reached as a single node fails here, not later in every queue operation); otherwise one line
 * naming it and the variable.
 */
export async function checkRedis(config: AppConfig): Promise<void> {
  const topology = redisTopology(config);
  const fast = { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null };
  const redis = createRedis(topology, 'worker', fast);
  let lastError: unknown;
  redis.on('error', (err) => (lastError = err));
  try {
    await redis.connect();
    await redisRoundTrip(redis, queuePrefix(config.QUEUE_PREFIX));
  } catch (err) {
    const where = describeRedis(topology);
    if (lastError === undefined && !isRedisConnectionError(err)) throw new ConfigError(`cannot use Redis at ${where}: ${explainRedisFailure(err, topology)}`);
    throw new ConfigError(`cannot reach Redis at ${where}: ${oneLine(lastError ?? err)}. Start it, or set ${redisVariables(topology)}`);
  } finally {
    redis.disconnect();
  }
}
