import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, redactUrl } from '../config/config';
import { ROLES, Role } from '../common/auth/principal';
import { tokenOptions } from '../modules/auth/auth.module';
import { TokenService } from '../modules/auth/tokens';

// Only what `token` needs is loaded up front; the other commands load Nest, TypeORM and the
// application modules when they run, so minting a token takes a fraction of a second.
const progressBar = async (format: string) => {
  const { SingleBar, Presets } = await import('cli-progress');
  return new SingleBar({ format, stream: process.stderr }, Presets.shades_classic);
};
const workerContext = async (config: ReturnType<typeof loadConfig>) => (await import('../bootstrap')).createWorkerContext({ ...config, LOG_LEVEL: 'warn' }, 'cli');
const migrate = async (url: string) => {
  await (await import('../startup/preflight')).checkDatabase(url);
  return (await import('../database/database')).migrate(url);
};

const warn = (m: string) => process.stderr.write(`almanac: warning: ${m}\n`);
/** DATABASE_URL as the service runs it: migrated as the owner, connected as the runtime role. */
const runtimeConfig = async () => {
  const config = loadConfig();
  await (await import('../startup/preflight')).checkDatabase(config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL);
  const { prepareDatabase } = await import('../database/runtime-role');
  return { ...config, DATABASE_URL: await prepareDatabase(config, warn) };
};

/* The CLI writes results to stdout and progress to stderr, so output can be piped. */
const out = (s: string) => process.stdout.write(`${s}\n`);

function parseRoles(value: string): Role[] {
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
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
    if (!config.AUTH_JWT_SECRET) throw new ConfigError('token minting needs AUTH_JWT_SECRET (with AUTH_JWKS_URL alone, tokens come from the identity provider)');
    out(await new TokenService(tokenOptions(config)).sign(o.sub, o.roles, o.expires));
  });

program
  .command('migrate')
  .description('create the database if missing and apply pending migrations')
  .action(async () => {
    const config = loadConfig();
    const applied = await migrate(config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL);
    await (await import('../database/runtime-role')).prepareDatabase(config, warn);
    out(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  });

program
  .command('import')
  .description('schedule every row of a listing in the "When Where" format')
  .argument('<file>', 'listing text file')
  .option('--actor <sub>', 'recorded as the actor of the events', 'cli')
  .action(async (file: string, o: { actor: string }) => {
    const text = await (await import('node:fs/promises')).readFile(file, 'utf8');
    const config = await runtimeConfig();
    const { CommandBus } = await import('@nestjs/cqrs');
    const { ImportListingCommand } = await import('../modules/scheduling/import-listing/import-listing.command');
    const app = await workerContext(config);
    const bar = await progressBar('importing [{bar}] {value}/{total} rows');
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
    const { ProjectionStatusService } = await import('../projections/projection.status');
    const app = await workerContext(await runtimeConfig());
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
    const config = await runtimeConfig();
    const { ProjectionRebuilder } = await import('../projections/projection.rebuilder');
    const app = await workerContext(config);
    const bar = await progressBar(`rebuilding ${name} [{bar}] {value}/{total} events | {eta_formatted} left`);
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

const audit = program.command('audit').description('tamper evidence: verify the log or an export of it');

audit
  .command('verify')
  .description("walk every stream's hash chain (JSON report on stdout; exit code 1 when broken)")
  .option('--file <export>', 'verify an NDJSON export offline (no database): chains, stream summaries and counts')
  .option('--checkpoint <saved>', 'instead: check a kept signed checkpoint — its signature, and that the log (or the --file export) still holds exactly its leaves')
  .option('--key <verifier key>', "with --checkpoint: the log's verifier key (text or a file holding it); default: the log's own key")
  .action(async (o: { file?: string; checkpoint?: string; key?: string }) => {
    if (o.checkpoint) return verifyCheckpointCommand(o.checkpoint, o.file, o.key);
    const bar = await progressBar(`verifying [{bar}] {percentage}% | {value}/{total} ${o.file ? 'bytes' : 'events'}`);
    let report: { ok: boolean };
    if (o.file) {
      const { createReadStream } = await import('node:fs');
      const { stat } = await import('node:fs/promises');
      const { createInterface } = await import('node:readline');
      const { checkExport } = await import('../modules/audit/verification/export-format');
      const size = (await stat(o.file)).size;
      const input = createReadStream(o.file);
      let read = 0;
      bar.start(size, 0);
      input.on('data', (chunk) => bar.update((read += chunk.length)));
      report = await checkExport(createInterface({ input, crlfDelay: Infinity }));
      bar.stop();
    } else {
      const { DataSource } = await import('typeorm');
      const { dataSourceOptions } = await import('../database/database');
      const { AuditLogReader } = await import('../events/audit-log.reader');
      const { verifyDatabase } = await import('../modules/audit/verify-log/verify-database');
      const ds = new DataSource(dataSourceOptions({ url: loadConfig().DATABASE_URL, poolSize: 2, applicationName: 'almanac-audit-verify' }));
      await ds.initialize();
      try {
        bar.start(0, 0);
        report = await verifyDatabase(AuditLogReader.over(ds), (done, total) => {
          bar.setTotal(total);
          bar.update(done);
        });
      } finally {
        bar.stop();
        await ds.destroy();
      }
    }
    out(JSON.stringify(report, null, 2));
    process.exitCode = report.ok ? 0 : 1;
  });

audit
  .command('checkpoint')
  .description('print the latest signed checkpoint of the log (a new one if it grew since); keep it to verify the log later')
  .action(async () => {
    const { TransparencyService } = await import('../modules/audit/transparency/transparency.service');
    const app = await workerContext(await runtimeConfig());
    try {
      process.stdout.write((await app.get(TransparencyService).checkpoint()).note);
    } finally {
      await app.close();
    }
  });

async function readKey(key: string | undefined) {
  if (!key) return undefined;
  const { parseVerifierKey } = await import('../modules/audit/transparency/domain/signed-note');
  return parseVerifierKey(key.includes('+') ? key : await (await import('node:fs/promises')).readFile(key, 'utf8'));
}

/** Exit code 1 when the checkpoint's signature or its leaves no longer check out. */
async function verifyCheckpointCommand(checkpointFile: string, exportFile: string | undefined, key: string | undefined): Promise<void> {
  const note = await (await import('node:fs/promises')).readFile(checkpointFile, 'utf8');
  let report: { ok: boolean; keySource?: string };
  if (exportFile) {
    const { openCheckpoint, parseVerifierKey } = await import('../modules/audit/transparency/domain/signed-note');
    const { compareWithCheckpoint } = await import('../modules/audit/transparency/verification/compare-log');
    const { log, sealed, verifierKey } = await readExportForCheckpoint(exportFile);
    let verifier = await readKey(key);
    let keySource = 'option';
    if (!verifier && verifierKey) {
      verifier = parseVerifierKey(verifierKey);
      keySource = 'export (pin your own copy with --key)';
    }
    if (!verifier) throw new InvalidArgumentError('the export names no verifier key: pass --key');
    report = { ...(await compareWithCheckpoint(openCheckpoint(note, verifier), log, sealed)), keySource };
  } else {
    const { TransparencyService } = await import('../modules/audit/transparency/transparency.service');
    const app = await workerContext(await runtimeConfig());
    try {
      report = await app.get(TransparencyService).verify(note, await readKey(key));
    } finally {
      await app.close();
    }
  }
  out(JSON.stringify(report, null, 2));
  process.exitCode = report.ok ? 0 : 1;
}

async function readExportForCheckpoint(file: string) {
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const { exportLeaves } = await import('../modules/audit/transparency/verification/export-leaves');
  let verifierKey: string | undefined;
  let seenHeader = false;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  async function* tap(): AsyncGenerator<string> {
    for await (const l of lines) {
      if (!seenHeader && l.includes('"export-header"')) {
        seenHeader = true;
        verifierKey = (JSON.parse(l) as { verifierKey?: string }).verifierKey;
      }
      yield l;
    }
  }
  const leaves = await exportLeaves(tap());
  return { ...leaves, verifierKey };
}

function parseInstantOption(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError('must be an ISO-8601 instant with offset, e.g. 2024-05-01T12:00:00Z');
  }
  return d;
}

program
  .command('replay')
  .description('rebuild read models as recorded up to an instant into a separate schema (live models and side effects untouched)')
  .requiredOption('--until <instant>', 'apply only events recorded at or before this instant', parseInstantOption)
  .option('--projections <names>', 'comma-separated projection names (default: calendar and the history)')
  .option('--schema <name>', 'target schema (default replay_<until>_<now>)')
  .action(async (o: { until: Date; projections?: string; schema?: string }) => {
    const config = await runtimeConfig();
    const { ReplayService } = await import('../modules/audit/replay/replay.service');
    const app = await workerContext(config);
    const bar = await progressBar('replaying [{bar}] {value}/{total} events | {eta_formatted} left');
    try {
      bar.start(0, 0);
      const report = await app.get(ReplayService).replay({
        until: o.until,
        projections: o.projections
          ?.split(',')
          .map((p) => p.trim())
          .filter(Boolean),
        schema: o.schema,
        onProgress: (done, total) => {
          bar.setTotal(total);
          bar.update(done);
        },
      });
      bar.stop();
      out(JSON.stringify(report, null, 2));
      // The URL the CLI itself used (user filled in as the server does), without its password.
      const db = redactUrl(config.DATABASE_URL);
      process.stderr.write(
        `\nthe read models as recorded up to ${report.until} are in schema ${report.schema}; query them with SQL, e.g.\n` +
          report.tables.map((t) => `  psql '${db}' -c 'SELECT * FROM ${t} LIMIT 20'\n`).join('') +
          `  psql '${db}' -c 'SELECT * FROM ${report.schema}.replay_info'\n` +
          (report.parked ? `  psql '${db}' -c 'SELECT * FROM ${report.schema}.replay_parked'   # ${report.parked} stream(s) parked on an event a projection could not apply\n` : '') +
          `drop it when done: psql '${db}' -c 'DROP SCHEMA ${report.schema} CASCADE'\n`,
      );
    } finally {
      bar.stop();
      await app.close();
    }
  });

const webhooks = program.command('webhooks').description('webhook endpoints: list them, replay the log to one');

webhooks
  .command('list')
  .description('every endpoint: url, status, cursor, failures, deliveries sent and failed, events not yet delivered')
  .action(async () => {
    const { QueryBus } = await import('@nestjs/cqrs');
    const { ListEndpointsQuery } = await import('../modules/webhooks/list-endpoints/list-endpoints.query');
    const { WebhookStats } = await import('../modules/webhooks/webhook-stats');
    const app = await workerContext(loadConfig());
    try {
      const { items } = await app.get(QueryBus).execute(new ListEndpointsQuery());
      const stats = new Map((await app.get(WebhookStats).all()).map((s) => [s.id, s]));
      out(
        JSON.stringify(
          items.map((e) => ({
            ...e,
            deliveries: { sent: stats.get(e.id)?.sent ?? 0, failed: stats.get(e.id)?.failed ?? 0 },
            lag: { events: stats.get(e.id)?.lagEvents ?? 0, seconds: stats.get(e.id)?.lagSeconds ?? 0 },
          })),
          null,
          2,
        ),
      );
    } finally {
      await app.close();
    }
  });

webhooks
  .command('replay')
  .description('send an endpoint every calendar event after a log position again, in order (0: the whole log)')
  .argument('<id>', 'endpoint id (see `webhooks list`)')
  .requiredOption('--from <position>', 'log position after which events are sent again', (v: string) => {
    if (!/^\d{1,19}$/.test(v)) throw new InvalidArgumentError('must be a log position (a non-negative integer)');
    return v;
  })
  .action(async (id: string, o: { from: string }) => {
    const { isUuid } = await import('../common/ids');
    if (!isUuid(id)) throw new InvalidArgumentError(`no webhook endpoint ${id}`);
    const { CommandBus } = await import('@nestjs/cqrs');
    const { ReplayEndpointCommand } = await import('../modules/webhooks/replay-endpoint/replay-endpoint.command');
    const app = await workerContext(loadConfig());
    try {
      out(JSON.stringify(await app.get(CommandBus).execute(new ReplayEndpointCommand(id.toLowerCase(), o.from)), null, 2));
    } finally {
      await app.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`almanac: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
