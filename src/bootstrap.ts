import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, Role } from './app.module';
import { refuseWhileDraining } from './common/http/draining';
import { flagInvalidUtf8, requestHygiene } from './common/http/request-hygiene';
import type { AppConfig } from './config/config';
import { withQuietFramework } from './logging';
import { Metrics } from './ops/metrics';
import { setupOpenApi } from './ops/openapi';
import { mountQueuesDashboard } from './ops/http/queues-dashboard';
import { mountConsole } from './modules/console/http/mount-console';

export const BODY_LIMIT = '1mb';

/** Applications that received SIGTERM: they answer 503 and close kept-alive connections (see closeOnSignals). */
const draining = new WeakSet<INestApplicationContext>();

/** Headers a browser client needs to read (ETag for If-Match, the log position for reads). */
const EXPOSED_HEADERS = ['ETag', 'Location', 'X-Log-Position', 'X-Request-Id', 'Retry-After', 'Idempotent-Replayed', 'Warning'];

/** The HTTP application (roles `api` and `all`), configured exactly as in production. */
export async function createHttpApp(config: AppConfig, role: 'api' | 'all'): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRole(role, config), new ExpressAdapter(), { bodyParser: false, bufferLogs: true });
  app.useLogger(withQuietFramework(app.get(Logger)));
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Behind a load balancer the client address (rate limits) is the first X-Forwarded-For hop.
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(app.get(Metrics).middleware());
  app.use(refuseWhileDraining(() => draining.has(app)));
  // The API serves JSON only; the HTML pages (docs, dashboard, dev mailbox) need inline scripts.
  const strict = helmet();
  const relaxed = helmet({ contentSecurityPolicy: false });
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => (/^\/(docs|admin\/queues|dev\/mailbox)/.test(req.path) ? relaxed : strict)(req, res, next));
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  app.enableCors({ origin: origins.length ? origins : false, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 });
  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'], verify: flagInvalidUtf8 }));
  app.use(express.text({ limit: BODY_LIMIT, type: 'text/plain', verify: flagInvalidUtf8 }));
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT, verify: flagInvalidUtf8 }));
  app.use(requestHygiene);
  mountQueuesDashboard(app);
  mountConsole(app);
  setupOpenApi(app);
  return app;
}

/** The worker role: no HTTP server, only jobs. */
export async function createWorkerContext(config: AppConfig, role: Role = 'worker'): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRole(role, config), { bufferLogs: true });
  app.useLogger(withQuietFramework(app.get(Logger)));
  return app;
}

/** Something else the process must close on shutdown, beside the Nest application (the worker thread of `all`). */
export interface Closer {
  /** As the log says it: "worker thread". */
  name: string;
  close(): Promise<void>;
}

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, let workers finish
 * or hand back their active jobs, close pools, exit 0. A hard deadline keeps it within the
 * orchestrator's grace period even if something hangs. `others` are closed at the same time
 * (in `all`, the worker thread). Returns the same drain for a fault the process cannot run on
 * after (the worker thread crashed): it then exits 1 once drained.
 */
export function closeOnSignals(app: INestApplicationContext, timeoutSeconds: number, log: (msg: string) => void, others: Closer[] = []): (why: string, code: number) => void {
  let closing = false;
  const close = (why: string, code: number) => {
    if (closing) return;
    closing = true;
    log(`${why}: draining`);
    const deadline = setTimeout(() => {
      log(`still draining after ${timeoutSeconds} s: exiting`);
      process.exit(1);
    }, timeoutSeconds * 1000);
    deadline.unref();
    draining.add(app);
    // With several parts, each says when it is done: an operator sees what the drain still waits for.
    const parts: Closer[] = [{ name: others.length ? 'API' : 'application', close: () => app.close() }, ...others];
    Promise.all(parts.map((p) => p.close().then(() => parts.length > 1 && log(`${p.name} closed`)))).then(
      () => process.exit(code),
      (err: unknown) => {
        log(`error while closing: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => close('SIGTERM received', 0));
  process.once('SIGINT', () => close('SIGINT received', 0));
  return close;
}
