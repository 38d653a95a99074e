import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, Role } from './app.module';
import { BODY_LIMIT_BYTES, registerBodyParsers } from './common/http/body-parsers';
import { registerConditionalGets } from './common/http/conditional-get';
import { refuseWhileDraining } from './common/http/draining';
import { requestHygiene, routerRefusal } from './common/http/request-hygiene';
import type { AppConfig } from './config/config';
import { withQuietFramework } from './logging';
import { Metrics } from './ops/metrics';
import { setupOpenApi } from './ops/openapi';
import { mountQueuesDashboard } from './ops/http/queues-dashboard';
import { mountConsole } from './modules/console/http/mount-console';

/** Applications that received SIGTERM: they answer 503 and close kept-alive connections (see closeOnSignals). */
const draining = new WeakSet<INestApplicationContext>();

/** Headers a browser client needs to read (ETag for If-Match, the log position for reads). */
const EXPOSED_HEADERS = ['ETag', 'Location', 'X-Log-Position', 'X-Request-Id', 'Retry-After', 'Idempotent-Replayed', 'Warning'];

/** The HTML pages (docs, dashboard, dev mailbox) need inline scripts; the API serves JSON only. */
const RELAXED_CSP = /^\/(docs|admin\/queues|dev\/mailbox)/;

/**
 * The router as Express's was: paths match in any case and with a trailing slash, and a path
 * parameter may be as long as the URL (Fastify's default cut is 100 characters).
 */
const ROUTER = { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 16 * 1024 };

/** The HTTP application (roles `api` and `all`), configured exactly as in production. */
export async function createHttpApp(config: AppConfig, role: 'api' | 'all'): Promise<NestFastifyApplication> {
  // helmet itself, built once: @fastify/helmet would build its middleware anew on every request.
  const strict = helmet();
  const relaxed = helmet({ contentSecurityPolicy: false });
  const adapter = new FastifyAdapter({
    // The router refuses a path parameter it cannot decode before any hook runs, and outside
    // the error handler: the same 400 problem (and headers) the hygiene check gives.
    frameworkErrors: routerRefusal(strict),
    trustProxy: 'loopback, linklocal, uniquelocal',
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: ROUTER,
    // Node's default (Fastify's is 72 s): idle kept-alive sockets close as they did, so a drain ends.
    keepAliveTimeout: 5000,
    // Fastify's own answer while closing is a JSON body of its own; refuseWhileDraining answers a problem.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRole(role, config), adapter, { bodyParser: false, bufferLogs: true });
  app.useLogger(withQuietFramework(app.get(Logger)));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onResponse', app.get(Metrics).hook());
  fastify.addHook(
    'onRequest',
    refuseWhileDraining(() => draining.has(app)),
  );
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) =>
    (RELAXED_CSP.test(req.url) ? relaxed : strict)(req.raw, reply.raw, (err) => done(err as Error | undefined)),
  );
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  app.enableCors({ origin: origins.length ? origins : false, exposedHeaders: EXPOSED_HEADERS, maxAge: 600, strictPreflight: false });
  registerBodyParsers(fastify);
  fastify.addHook('preValidation', requestHygiene);
  registerConditionalGets(fastify);
  await mountQueuesDashboard(app);
  await mountConsole(app);
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
