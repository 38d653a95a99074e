import type { INestApplication } from '@nestjs/common';
import { createHttpApp } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/config';
import type { Role } from '../../src/common/auth/principal';
import { TokenService } from '../../src/modules/auth/tokens';
import { provisionRuntimeRole } from '../../src/database/runtime-role';
import { TestDatabase, createTestDatabase } from './database';
import { testPrefix } from './run';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-production-0123456789';

export interface TestApp {
  app: INestApplication;
  baseUrl: string;
  db: TestDatabase;
  config: AppConfig;
  token(sub: string, ...roles: Role[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * Boots the real HTTP app on a free port against the file's own database and queue prefix,
 * connected as the runtime role (as `npm start` does): it can read and append to `events`
 * only. `db` stays the owner's (superuser) connection, for tamper and fault tests.
 */
export async function startTestApp(label: string, env: Record<string, string> = {}, role: 'api' | 'all' = 'api'): Promise<TestApp> {
  const db = await createTestDatabase(label);
  let app: INestApplication | undefined;
  try {
    return await listen(label, db, env, role, (a) => (app = a));
  } catch (err) {
    // A start-up that throws leaves nothing behind: the app (if it got that far) and its database.
    await app?.close().catch(() => undefined);
    await db.drop();
    throw err;
  }
}

async function listen(label: string, db: TestDatabase, env: Record<string, string>, role: 'api' | 'all', created: (app: INestApplication) => void): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: await provisionRuntimeRole(db.url),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: testPrefix(label),
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await createHttpApp(config, role);
  created(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const tokens = new TokenService(TEST_JWT_SECRET);
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    db,
    config,
    token: (sub, ...roles) => tokens.sign(sub, roles),
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** fetch with JSON in and out; `body` strings are sent as they are. */
export async function http<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body }).catch((err: Error) => {
    // undici says only "fetch failed"; its cause (ECONNRESET, ECONNREFUSED, ...) is what a failed run needs.
    const cause = err.cause as { code?: string; message?: string } | undefined;
    throw new Error(`${method} ${path}: ${err.message} (${cause?.code ?? cause?.message ?? 'no cause'})`, { cause: err });
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}
