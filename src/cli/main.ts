import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { CommandBus } from '@nestjs/cqrs';
import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config/config';
import { migrate } from '../database/database';
import { createWorkerContext } from '../bootstrap';
import { ROLES, Role } from '../modules/auth/principal';
import { TokenService } from '../modules/auth/tokens';
import { ImportListingCommand } from '../modules/scheduling/import-listing/import-listing.command';
import { ProjectionRebuilder } from '../projections/projection.rebuilder';
import { ProjectionStatusService } from '../projections/projection.status';

/* The CLI writes results to stdout and progress to stderr, so output can be piped. */
const out = (s: string) => process.stdout.write(`${s}\n`);

function parseRoles(value: string): Role[] {
  const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length || roles.length === 0) throw new InvalidArgumentError(`roles must be a comma-separated subset of ${ROLES.join(', ')}`);
  return roles as Role[];
}

const program = new Command('almanac').description('almanac command line').showHelpAfterError();

program
  .command('token')
  .description('mint a bearer token for local use (refused when NODE_ENV=production)')
  .requiredOption('--sub <subject>', 'token subject, e.g. alice')
  .requiredOption('--roles <roles>', 'comma-separated: staff,auditor,admin', parseRoles)
  .option('--expires <duration>', 'lifetime, e.g. 12h or 30d', '12h')
  .action(async (o: { sub: string; roles: Role[]; expires: string }) => {
    const config = loadConfig();
    if (config.NODE_ENV === 'production') throw new ConfigError('token minting is off when NODE_ENV=production; use your identity provider');
    out(await new TokenService(config.AUTH_JWT_SECRET).sign(o.sub, o.roles, o.expires));
  });

program
  .command('migrate')
  .description('create the database if missing and apply pending migrations')
  .action(async () => {
    const applied = await migrate(loadConfig().DATABASE_URL);
    out(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  });

program
  .command('import')
  .description("schedule every row of a listing in the \"When Where\" format")
  .argument('<file>', 'listing text file')
  .option('--actor <sub>', 'recorded as the actor of the events', 'cli')
  .action(async (file: string, o: { actor: string }) => {
    const config = loadConfig();
    const text = await readFile(file, 'utf8');
    await migrate(config.DATABASE_URL);
    const app = await createWorkerContext({ ...config, LOG_LEVEL: 'warn' }, 'cli');
    const bar = new SingleBar({ format: 'importing [{bar}] {value}/{total} rows', stream: process.stderr }, Presets.shades_classic);
    try {
      let started = false;
      const report = await app.get(CommandBus).execute(
        new ImportListingCommand(text, { actor: o.actor, correlationId: `cli-import-${Date.now()}`, causationId: `cli-import-${Date.now()}` }, (done, total) => {
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        }),
      );
      bar.stop();
      const { position: _position, ...rows } = report;
      out(JSON.stringify({ summary: { created: rows.created.length, skipped: rows.skipped.length, failed: rows.failed.length }, ...rows }, null, 2));
      process.exitCode = report.failed.length ? 2 : 0;
    } finally {
      await app.close();
    }
  });

const projections = program.command('projections').description('inspect and rebuild read models');

projections
  .command('status')
  .description('checkpoint, head and lag of every projection')
  .action(async () => {
    const config = loadConfig();
    const app = await createWorkerContext({ ...config, LOG_LEVEL: 'warn' }, 'cli');
    try {
      out(JSON.stringify(await app.get(ProjectionStatusService).all(), null, 2));
    } finally {
      await app.close();
    }
  });

projections
  .command('rebuild')
  .description('replay the log into fresh tables while the live model serves, then swap')
  .argument('<name>', 'projection name (see `projections status`)')
  .option('--verify', 'compare the rebuilt model with the live one and report differences')
  .action(async (name: string, o: { verify?: boolean }) => {
    const config = loadConfig();
    await migrate(config.DATABASE_URL);
    const app = await createWorkerContext({ ...config, LOG_LEVEL: 'warn' }, 'cli');
    const bar = new SingleBar({ format: `rebuilding ${name} [{bar}] {value}/{total} events | {eta_formatted} left`, stream: process.stderr }, Presets.shades_classic);
    try {
      bar.start(0, 0);
      const report = await app.get(ProjectionRebuilder).rebuild(name, {
        verify: o.verify,
        onProgress: (done, total) => {
          bar.setTotal(total);
          bar.update(done);
        },
      });
      bar.stop();
      out(JSON.stringify(report, null, 2));
      if (o.verify && report.differences.length) process.exitCode = 3;
    } finally {
      bar.stop();
      await app.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`almanac: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
