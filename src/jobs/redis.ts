import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { ConnectionOptions, RedisOptions as BullRedisOptions } from 'bullmq';
import type { AppConfig } from '../config/config';

/** A single node or Sentinel-managed master (ioredis `Redis`), or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

interface Node {
  host: string;
  port: number;
}
interface Auth {
  username?: string;
  password?: string;
  tls?: Record<string, never>;
}

export type RedisTopology = { kind: 'single'; url: string } | { kind: 'cluster'; nodes: Node[]; auth: Auth } | { kind: 'sentinel'; sentinels: Node[]; name: string; auth: Auth };

function authOf(u: URL): Auth {
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A comma-separated node list: `host:port`, or `redis[s]://[user:password@]host:port` whose
 * credentials and TLS apply to every node (as REDIS_URL's do to a single node).
 * Throws a one-line reason for an entry it cannot read.
 */
export function parseRedisNodes(list: string): { nodes: Node[]; auth: Auth } {
  let auth: Auth = {};
  const nodes = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      let u: URL;
      try {
        u = new URL(/^rediss?:\/\//.test(entry) ? entry : `redis://${entry}`);
      } catch {
        throw new Error(`"${entry}" is not host:port`);
      }
      if (!/^rediss?:$/.test(u.protocol) || !u.hostname || !u.port) throw new Error(`"${entry.replace(/:[^:@/]*@/, ':***@')}" is not host:port (or redis[s]://[user:password@]host:port)`);
      const a = authOf(u);
      if (Object.keys(a).length) auth = a;
      return { host: u.hostname, port: Number(u.port) };
    });
  if (!nodes.length) throw new Error('lists no node');
  return { nodes, auth };
}

type RedisVars = Pick<AppConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'REDIS_SENTINELS' | 'REDIS_SENTINEL_NAME'>;

/** Which Redis the configuration names (validated by loadConfig). */
export function redisTopology(c: RedisVars): RedisTopology {
  if (c.REDIS_CLUSTER_NODES) return { kind: 'cluster', ...parseRedisNodes(c.REDIS_CLUSTER_NODES) };
  if (c.REDIS_SENTINELS && c.REDIS_SENTINEL_NAME) {
    const { nodes, auth } = parseRedisNodes(c.REDIS_SENTINELS);
    return { kind: 'sentinel', sentinels: nodes, name: c.REDIS_SENTINEL_NAME, auth };
  }
  return { kind: 'single', url: c.REDIS_URL };
}

/** For logs and messages: where Redis is, without a password. */
export function describeRedis(t: RedisTopology): string {
  const list = (ns: Node[]) => ns.map((n) => `${n.host}:${n.port}`).join(',');
  if (t.kind === 'cluster') return `cluster ${list(t.nodes)}${t.auth.tls ? ' (TLS)' : ''}`;
  if (t.kind === 'sentinel') return `sentinel master "${t.name}" via ${list(t.sentinels)}${t.auth.tls ? ' (TLS)' : ''}`;
  const u = new URL(t.url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** The variable(s) to fix when Redis cannot be used, as an operator would set them. */
export function redisVariables(t: RedisTopology): string {
  if (t.kind === 'cluster') return 'REDIS_CLUSTER_NODES (host:port,host:port,…)';
  if (t.kind === 'sentinel') return 'REDIS_SENTINELS (host:port,…) and REDIS_SENTINEL_NAME';
  return 'REDIS_URL (redis://host:6379)';
}

/** ioredis options from REDIS_URL (redis:// or rediss://). */
export function redisOptions(url: string): BullRedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...authOf(u),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
  };
}

/**
 * Workers block on Redis: they retry for ever (BullMQ requires `maxRetriesPerRequest: null`).
 * Producers on the request path fail fast when Redis is down instead of queueing commands.
 */
export type RedisMode = 'worker' | 'producer';
const MODE: Record<RedisMode, RedisOptions> = {
  worker: { maxRetriesPerRequest: null },
  producer: { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 },
};

/** Options for a single node or a Sentinel-managed master (ioredis finds the master and follows failovers). */
function nodeOptions(t: Exclude<RedisTopology, { kind: 'cluster' }>, mode: RedisMode): RedisOptions {
  if (t.kind === 'single') return { ...(redisOptions(t.url) as RedisOptions), ...MODE[mode] };
  return {
    sentinels: t.sentinels,
    name: t.name,
    ...t.auth,
    // Sentinels usually share the data nodes' credentials and transport.
    ...(t.auth.username ? { sentinelUsername: t.auth.username } : {}),
    ...(t.auth.password ? { sentinelPassword: t.auth.password } : {}),
    ...(t.auth.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    ...MODE[mode],
  };
}

function clusterOptions(t: Extract<RedisTopology, { kind: 'cluster' }>, mode: RedisMode): ClusterOptions {
  const { enableOfflineQueue, ...perNode } = MODE[mode];
  return {
    redisOptions: { ...t.auth, ...perNode },
    // While a replica is promoted the old master's slots answer CLUSTERDOWN or refuse
    // connections: retry against the refreshed slot map rather than fail at once.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
    ...(enableOfflineQueue === false ? { enableOfflineQueue: false } : {}),
    // ioredis's Cluster#connect() never settles when its ready check (CLUSTER INFO) finds the
    // cluster failing, as it does until a dead master's replica is promoted: it reconnects on
    // its own and drops the promise. BullMQ awaits that promise when it resets a worker's
    // blocking connection, so the worker would wait for ever. Without the check, connect()
    // settles once the slots are known, and commands meanwhile retry on CLUSTERDOWN.
    ...(mode === 'worker' ? { enableReadyCheck: false } : {}),
    // TLS certificates name hosts, not the addresses the cluster announces.
    ...(t.auth.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
}

/** A client of its own for the configured Redis; the caller disconnects it. */
export function createRedis(t: RedisTopology, mode: RedisMode, extra: RedisOptions = {}): RedisConnection {
  if (t.kind === 'cluster') {
    const o = clusterOptions(t, mode);
    const { lazyConnect, retryStrategy, ...perNode } = extra;
    return new Cluster(t.nodes, {
      ...o,
      ...(lazyConnect ? { lazyConnect } : {}),
      ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
      redisOptions: { ...o.redisOptions, ...perNode, ...(retryStrategy ? { retryStrategy } : {}) },
    });
  }
  return new Redis({ ...nodeOptions(t, mode), ...extra });
}

/**
 * What BullMQ gets: options for a single node or Sentinel (BullMQ opens and closes its own
 * connections), a Cluster client for a cluster (BullMQ cannot build one from options; the
 * caller closes it after the queues or workers using it).
 */
export function bullConnection(t: RedisTopology, mode: RedisMode, make: () => Cluster): ConnectionOptions {
  return t.kind === 'cluster' ? make() : (nodeOptions(t, mode) as BullRedisOptions);
}
