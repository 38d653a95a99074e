import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Where the benchmarks connect and what they run. They connect as a superuser (to create and
 * drop their own databases), like the tests, and never touch the `almanac` database.
 */
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The secret the app under benchmark verifies tokens with; the bench mints its own. */
export const BENCH_JWT_SECRET = 'bench-secret-long-enough-for-production-0123456789abcdef';

/** Compiled output root (dist/): this file is dist/bench/support/env.js. */
export const DIST_ROOT = resolve(__dirname, '..', '..');
export const REPO_ROOT = resolve(DIST_ROOT, '..');
export const RESULTS_DIR = resolve(REPO_ROOT, 'bench', 'results');

/** `node --cpu-prof` for the app processes (profiles land in bench/results/profiles). */
export const CPU_PROFILE = process.env.BENCH_CPU_PROF === '1';

export const uniqueSuffix = (): string => randomBytes(4).toString('hex');

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until true; resolves with the milliseconds it took, rejects after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not done after ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
}

/**
 * Scales the data sizes (log length, subscribers, events in the read model) for a quick smoke
 * run, e.g. BENCH_SCALE=0.1. The default, 1, is the benchmark; other values are not comparable.
 */
export const SCALE = Number(process.env.BENCH_SCALE ?? '1') > 0 ? Number(process.env.BENCH_SCALE ?? '1') : 1;
export const scaled = (n: number, multiple = 1): number => Math.max(multiple, Math.round((n * SCALE) / multiple) * multiple);
