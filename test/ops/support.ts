import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Server, Socket, createServer } from 'node:net';
import { resolve } from 'node:path';
import { TEST_JWT_SECRET } from '../support/app';
import { testPrefix } from '../support/run';
import { freePort } from '../support/redis-server';
import { waitFor } from '../support/wait';

export const MAIN = resolve(__dirname, '../../dist/main.js');
export const CLI = resolve(__dirname, '../../dist/cli/main.js');
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function requireBuild(): void {
  if (!existsSync(MAIN) || !existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first (npm test does it in pretest)');
}

export const queuePrefix = testPrefix;

/** A process spawned from dist: its output is kept (for "Mapped" lines, errors), it can be signalled and awaited. */
export interface Child {
  proc: ChildProcess;
  port: number;
  baseUrl: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A pino line of a built server's stdout (LOG_LEVEL=warn and above in the ops tests). */
export interface LogLine {
  level: number;
  time: number;
  event?: string;
  errors?: number;
  msg?: string;
  [field: string]: unknown;
}

/** The JSON log lines a spawned server has written so far. */
export const logLines = (c: Child): LogLine[] =>
  c
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

/**
 * A Redis outage in a spawned server's log, as an operator reads it: one warning when it started
 * (not before `since`), one when it ended, saying where Redis is (`at`) and how many connection
 * errors it absorbed meanwhile. Waits for the recovery line.
 */
export async function expectOneRedisOutage(c: Child, since: number, at: RegExp): Promise<void> {
  const up = await waitFor('the recovery logged', () => {
    const seen = logLines(c).filter((l) => l.event === 'redis_reachable');
    return seen.length ? seen : undefined;
  });
  const down = logLines(c).filter((l) => l.event === 'redis_unreachable');
  expect(down).toHaveLength(1);
  expect(up).toHaveLength(1);
  expect(down[0]).toMatchObject({ level: 40, errors: expect.any(Number) });
  expect(down[0].time).toBeGreaterThanOrEqual(since - 50);
  expect(up[0].time).toBeGreaterThan(down[0].time);
  expect(up[0].errors).toBeGreaterThanOrEqual(down[0].errors!);
  expect(up[0].msg).toMatch(new RegExp(`^Redis at ${at.source} is reachable again after [\\d.]+ s \\(\\d+ connection errors while it was away\\)$`));
}

export async function spawnDist(script: string, args: string[], env: Record<string, string>, port?: number): Promise<Child> {
  const p = port ?? (await freePort());
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const proc = spawn(process.execPath, [script, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      REDIS_URL,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      PORT: String(p),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (b: Buffer) => out.push(b));
  proc.stderr!.on('data', (b: Buffer) => err.push(b));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return {
    proc,
    port: p,
    baseUrl: `http://127.0.0.1:${p}`,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await exited;
    },
  };
}

/** `node dist/main.js <role>`; for api/all, resolves once /health/ready answers 200. */
export async function spawnApp(role: 'api' | 'worker' | 'all', env: Record<string, string>): Promise<Child> {
  const c = await spawnDist(MAIN, [role], env);
  if (role !== 'worker') {
    await waitFor(
      `${role} on :${c.port} ready`,
      async () => {
        if (c.proc.exitCode !== null) throw new Error(`exited ${c.proc.exitCode}: ${c.stderr()}`);
        return (await fetch(`${c.baseUrl}/health/ready`)).status === 200;
      },
      // `all` boots two applications (the API, and the worker side in its thread): on a loaded machine that takes a while.
      role === 'all' ? 60000 : 30000,
      100,
    );
  }
  return c;
}

/**
 * A TCP proxy in front of PostgreSQL, so a test can cut the database off and bring it back on
 * the same address without touching the server other tests use.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const p = new TcpProxy(await freePort(), target);
    await p.start();
    return p;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = new Socket();
      this.track(client);
      this.track(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      upstream.connect(this.target.port, this.target.host, () => {
        client.pipe(upstream);
        upstream.pipe(client);
      });
    });
    this.server = server;
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(this.port, '127.0.0.1', () => res());
    });
  }

  /** Refuses new connections and cuts the open ones, as a crashed or unreachable server would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((res) => server.close(() => res()));
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }
}

/** The URL with its host and port replaced (to route a DATABASE_URL through a proxy). */
export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

export const event = (title: string, day = 1) => ({
  title,
  description: '',
  programme: 'culture',
  location: { city: 'Beijing', country: 'CN', venue: null },
  timeZone: 'Asia/Shanghai',
  start: { date: `2031-03-${String((day % 28) + 1).padStart(2, '0')}` },
  end: { date: `2031-03-${String((day % 28) + 1).padStart(2, '0')}` },
});
