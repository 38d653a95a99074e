import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { AppConfig, ConfigError, loadConfig, redactUrl } from './config/config';
import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import { prepareDatabase } from './database/runtime-role';
import { Closer, closeOnSignals, createHttpApp, createWorkerContext } from './bootstrap';
import { receiveRelayedOutages } from './common/outage';
import { startWorkerThread } from './startup/worker-thread-handle';
import { checkDatabase, checkRedis } from './startup/preflight';
import { describeRedis, redisTopology } from './jobs/redis';
import { Logger } from 'nestjs-pino';

const ROLES = ['all', 'api', 'worker'] as const;

/** What an operator needs to know about a started process, in one line (and as fields). */
function startupLine(config: AppConfig, role: string, url?: string) {
  const database = redactUrl(config.DATABASE_URL);
  const redis = describeRedis(redisTopology(config));
  const mail = config.SMTP_URL ? `SMTP ${redactUrl(config.SMTP_URL)}` : `development mailbox at ${config.PUBLIC_BASE_URL}/dev/mailbox`;
  const where = url ? `listening on ${url}` : 'running jobs';
  return {
    fields: { role, url, database, redis, queuePrefix: config.QUEUE_PREFIX, mail },
    msg: `almanac ${role} ${where} · database ${database} · Redis ${redis} (queue prefix ${config.QUEUE_PREFIX}) · mail: ${mail}`,
  };
}

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as (typeof ROLES)[number];
  if (!ROLES.includes(role)) throw new ConfigError(`unknown role "${role}"; use one of ${ROLES.join(', ')}`);
  const loaded = loadConfig();
  // Unreachable dependencies are one line naming them and their variable, not a stack trace.
  await Promise.all([checkDatabase(loaded.DATABASE_MIGRATION_URL ?? loaded.DATABASE_URL), checkRedis(loaded)]);
  // Creates the database when missing, applies pending migrations as the owner, and connects
  // the service as a role that can only read and append to the log.
  const config = { ...loaded, DATABASE_URL: await prepareDatabase(loaded, (m) => new NestLogger('Database').warn(m)) };
  if (role === 'worker') {
    const worker = await createWorkerContext(config);
    closeOnSignals(worker, config.SHUTDOWN_TIMEOUT_SECONDS, (m) => worker.get(Logger).log(m));
    const line = startupLine(config, role);
    worker.get(Logger).log(line.fields, line.msg, 'almanac');
    return;
  }
  if (role === 'api') {
    const app = await createHttpApp(config, role);
    closeOnSignals(app, config.SHUTDOWN_TIMEOUT_SECONDS, (m) => app.get(Logger).log(m));
    await listen(app, config, role);
    return;
  }
  // `all` (npm start): still one process and one command, but the worker side runs in a worker
  // thread with its own event loop and pools, as in the split deployment; one event loop for
  // both let the jobs and the HTTP requests queue behind each other (README, When to split).
  receiveRelayedOutages();
  const [thread, app] = await Promise.all([startWorkerThread(config), createHttpApp(config, 'api')]);
  const log = (m: string) => app.get(Logger).log(m);
  const closeThread: Closer = { name: 'worker thread', close: () => thread.close() };
  const close = closeOnSignals(app, config.SHUTDOWN_TIMEOUT_SECONDS, log, [closeThread]);
  // No half process: without its worker side the API would accept writes nobody projects.
  thread.onCrash((err) => {
    app.get(Logger).error({ err, event: 'worker_thread_crashed' }, `the worker thread stopped: ${err.message}; the process exits`, 'almanac');
    close('worker thread stopped', 1);
  });
  await listen(app, config, role);
}

async function listen(app: INestApplication, config: AppConfig, role: 'api' | 'all'): Promise<void> {
  // Every interface, as Node's own default (Fastify's alone is localhost): '::' is dual-stack.
  await app.listen(config.PORT, '::');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const line = startupLine(config, role, `http://localhost:${port}`);
  app.get(Logger).log(line.fields, line.msg, 'almanac');
}

main().catch((err: unknown) => {
  // One clear line for configuration mistakes and unreachable dependencies; the full error otherwise.
  process.stderr.write(err instanceof ConfigError ? `almanac: ${err.message}\n` : `almanac: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
