import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { runtimeUrlFor } from '../../database/runtime-role';
import { QUEUES, queuePrefix } from '../../jobs/catalog';
import { redisOptions } from '../../jobs/redis';
import type { Role } from '../../common/auth/principal';
import { TokenService } from '../../modules/auth/tokens';
import { BENCH_JWT_SECRET, BENCH_REDIS_URL, CPU_PROFILE, DIST_ROOT, RESULTS_DIR, sleep, uniqueSuffix } from './env';

/** Every child process still running, killed if the bench itself dies. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface AppProcess {
  role: string;
  child: ChildProcess;
  /** Everything written to stdout (the CLI's JSON reports). */
  stdout(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** The last few KB of stderr, for the error message when it dies. */
  stderr(): string;
  stop(): Promise<void>;
}

export interface BenchApp {
  baseUrl: string;
  port: number;
  queuePrefix: string;
  env: Record<string, string>;
  api: AppProcess;
  worker: AppProcess;
  token(sub: string, ...roles: Role[]): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The environment of the app under benchmark: production mode (as users run it), its own
 * database and queue prefix, no read rate limit, no logging.
 */
const BENCH_CHECKPOINT_KEY = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

export function appEnv(databaseUrl: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    // Production's split: migrations as the owner, the service as a role that can only read and append to events.
    DATABASE_URL: runtimeUrlFor(databaseUrl),
    DATABASE_MIGRATION_URL: databaseUrl,
    CHECKPOINT_SIGNING_KEY: BENCH_CHECKPOINT_KEY,
    REDIS_URL: BENCH_REDIS_URL,
    QUEUE_PREFIX: prefix,
    AUTH_JWT_SECRET: BENCH_JWT_SECRET,
    // Production requires both; scenarios that follow links pass their own base URL.
    DATA_KEY_SECRET: `${BENCH_JWT_SECRET}-data-keys`,
    PUBLIC_BASE_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_READS_PER_MINUTE: '0',
    // Production requires an SMTP server; scenarios that send mail pass their own listener.
    SMTP_URL: 'smtp://127.0.0.1:9',
    ...extra,
  };
}

/** Runs `node dist/<script> <args>` with `env` on top of the bench's own environment. */
/**
 * Node's own flags of an npm script (e.g. `cli`: `node --max-old-space-size=192 dist/cli/main.js`),
 * so a benchmark starts a process exactly as the README's command does.
 */
/** The app's METRICS_TOKEN in benchmarks that read /metrics. */
export const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';

/** The app's /metrics text (the app started with METRICS_TOKEN = BENCH_METRICS_TOKEN). */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  return (await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })).text();
}

export function npmScriptNodeFlags(script: string): string[] {
  const pkg = JSON.parse(readFileSync(join(DIST_ROOT, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const line = pkg.scripts[script];
  if (!line) throw new Error(`package.json has no script ${script}`);
  const words = line.split(/\s+/);
  if (words[0] !== 'node') throw new Error(`script ${script} does not start with node: ${line}`);
  return words.slice(1).filter((w, i, all) => w.startsWith('--') && all.slice(0, i).every((x) => x.startsWith('--')));
}

export function spawnNode(label: string, script: string, args: string[], env: Record<string, string>, nodeFlags: string[] = []): AppProcess {
  const nodeArgs: string[] = [...nodeFlags];
  if (CPU_PROFILE) {
    const dir = join(RESULTS_DIR, 'profiles');
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${label}-${Date.now()}.cpuprofile`);
  }
  const child = spawn(process.execPath, [...nodeArgs, join(DIST_ROOT, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let tail = '';
  let out = '';
  child.stderr!.on('data', (b: Buffer) => (tail = (tail + b.toString('utf8')).slice(-4000)));
  child.stdout!.on('data', (b: Buffer) => (out = (out + b.toString('utf8')).slice(-1_000_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('exit', () => children.delete(child));
  return {
    role: label,
    child,
    exited,
    stdout: () => out,
    stderr: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Fails fast when a child dies while we wait for it. */
function watchExit(p: AppProcess): Promise<never> {
  return new Promise((_, reject) => p.child.once('exit', (code, signal) => reject(new Error(`${p.role} exited (${code ?? signal}) during the benchmark:\n${p.stderr()}`))));
}

async function waitReady(what: string, check: () => Promise<boolean>, p: AppProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const died = watchExit(p);
  died.catch(() => undefined);
  for (;;) {
    const ok = await Promise.race([check().catch(() => false), died]);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s:\n${p.stderr()}`);
    await Promise.race([sleep(100), died]);
  }
}

/** Every queue of the catalog has at least one BullMQ worker connected. */
export async function workersConnected(prefix: string): Promise<boolean> {
  const queues = Object.values(QUEUES).map((q) => new Queue(q, { connection: redisOptions(BENCH_REDIS_URL), prefix: queuePrefix(prefix) }));
  try {
    const counts = await Promise.all(queues.map((q) => q.getWorkersCount()));
    return counts.every((c) => c > 0);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

/**
 * How the app runs: `split`, `node dist/main.js api` and `node dist/main.js worker` as separate
 * processes (as deployed at scale); `all`, one `node dist/main.js all` (what `npm start` runs),
 * whose process is then both `api` and `worker`.
 */
export type AppMode = 'split' | 'all';

/**
 * The app against `databaseUrl` with a fresh queue prefix; resolves once the API answers
 * /health/ready and the worker's BullMQ workers are connected.
 */
export async function startApp(label: string, databaseUrl: string, extraEnv: Record<string, string> = {}, mode: AppMode = 'split'): Promise<BenchApp> {
  const port = await freePort();
  const prefix = `bench-${label}-${uniqueSuffix()}`;
  const env = appEnv(databaseUrl, prefix, { PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ...extraEnv });
  const baseUrl = `http://127.0.0.1:${port}`;
  // The worker first: both run migrations at start (under an advisory lock), the API then finds them applied.
  const worker = spawnNode(mode === 'all' ? `${label}-all` : `${label}-worker`, 'main.js', [mode === 'all' ? 'all' : 'worker'], env);
  const api = mode === 'all' ? worker : spawnNode(`${label}-api`, 'main.js', ['api'], env);
  const tokens = new TokenService(BENCH_JWT_SECRET);
  const app: BenchApp = {
    baseUrl,
    port,
    queuePrefix: prefix,
    env,
    api,
    worker,
    token: (sub, ...roles) => tokens.sign(sub, roles, '2h'),
    async stop() {
      await Promise.all([...new Set([api, worker])].map((p) => p.stop()));
      await clearQueuePrefix(prefix);
    },
  };
  try {
    await waitReady('api', async () => (await fetch(`${baseUrl}/health/ready`)).status === 200, api);
    await waitReady('worker', () => workersConnected(prefix), worker);
  } catch (err) {
    await app.stop();
    throw err;
  }
  return app;
}

/** Deletes every Redis key under a bench queue prefix (queues, flags, schedulers). */
export async function clearQueuePrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisOptions(BENCH_REDIS_URL));
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function redisVersion(): Promise<string> {
  const redis = new Redis(redisOptions(BENCH_REDIS_URL));
  try {
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}
