import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config';
import { migrate } from './database/database';
import { closeOnSignals, createHttpApp, createWorkerContext } from './bootstrap';
import { Logger } from 'nestjs-pino';

const ROLES = ['all', 'api', 'worker'] as const;

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as (typeof ROLES)[number];
  if (!ROLES.includes(role)) throw new ConfigError(`unknown role "${role}"; use one of ${ROLES.join(', ')}`);
  const config = loadConfig();
  // Creates the database when missing and applies pending migrations under an advisory lock.
  await migrate(config.DATABASE_URL);
  if (role === 'worker') {
    const worker = await createWorkerContext(config);
    closeOnSignals(worker, config.SHUTDOWN_TIMEOUT_SECONDS, (m) => worker.get(Logger).log(m));
    return;
  }
  const app = await createHttpApp(config, role);
  closeOnSignals(app, config.SHUTDOWN_TIMEOUT_SECONDS, (m) => app.get(Logger).log(m));
  await app.listen(config.PORT);
}

main().catch((err: unknown) => {
  // One clear line for configuration mistakes; the full error otherwise.
  process.stderr.write(err instanceof ConfigError ? `almanac: ${err.message}\n` : `almanac: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
