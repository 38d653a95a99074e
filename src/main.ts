import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { AppConfig, ConfigError, loadConfig, redactUrl } from './config/config';
import { Logger as NestLogger } from '@nestjs/common';
import { prepareDatabase } from './database/runtime-role';
import { closeOnSignals, createHttpApp, createWorkerContext } from './bootstrap';
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
  const app = await createHttpApp(config, role);
  closeOnSignals(app, config.SHUTDOWN_TIMEOUT_SECONDS, (m) => app.get(Logger).log(m));
  await app.listen(config.PORT);
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const line = startupLine(config, role, `http://localhost:${port}`);
  app.get(Logger).log(line.fields, line.msg, 'almanac');
}

main().catch((err: unknown) => {
  // One clear line for configuration mistakes and unreachable dependencies; the full error otherwise.
  process.stderr.write(err instanceof ConfigError ? `almanac: ${err.message}\n` : `almanac: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
