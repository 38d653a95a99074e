import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { ConfigError } from '../config/config';
import { eventPowers, grantRuntimeRole, quoteIdent } from '../events/event-privileges';
import { migrate } from './database';

/** The role a development superuser URL provisions for the service itself. */
export const RUNTIME_ROLE = 'almanac_runtime';

export interface DatabaseConfig {
  NODE_ENV: 'development' | 'test' | 'production';
  DATABASE_URL: string;
  DATABASE_MIGRATION_URL?: string;
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The user a URL connects as (DESIGN: without one, PGUSER, else USER, else postgres). */
export const urlUser = (url: string): string => decodeURIComponent(new URL(url).username) || process.env.PGUSER || process.env.USER || 'postgres';

/** A stable password: every process of an installation (api, worker, CLI) computes the same one. */
const runtimePassword = (ownerUrl: string): string =>
  createHash('sha256')
    .update(`almanac runtime role\n${decodeURIComponent(new URL(ownerUrl).password)}`)
    .digest('base64url');

/**
 * As a superuser: creates the runtime role if missing, grants
 * it exactly what the service needs, and returns `ownerUrl` connecting as it.
 */
export async function provisionRuntimeRole(ownerUrl: string): Promise<string> {
  const password = runtimePassword(ownerUrl);
  await withClient(ownerUrl, async (c) => {
    // Roles are cluster-wide: databases started side by side may race to create it.
    for (let attempt = 0; ; attempt++) {
      try {
        const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [RUNTIME_ROLE]);
        if (exists.rowCount === 0) await c.query(`CREATE ROLE ${quoteIdent(RUNTIME_ROLE)} LOGIN PASSWORD '${password}'`);
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt < 5 && (code === '42710' || code === '23505' || code === 'XX000')) continue;
        throw err;
      }
    }
    await grantsUnderLock(c, RUNTIME_ROLE);
  });
  return runtimeUrlFor(ownerUrl);
}

/** `ownerUrl` connecting as the role provisionRuntimeRole creates for it. */
export function runtimeUrlFor(ownerUrl: string): string {
  const u = new URL(ownerUrl);
  u.username = RUNTIME_ROLE;
  u.password = runtimePassword(ownerUrl);
  return u.toString();
}

async function grantsUnderLock(c: Client, role: string): Promise<void> {
  await c.query("SELECT pg_advisory_lock(hashtext('almanac:runtime-grants'))");
  try {
    // One transaction: the grants are re-applied by every process that starts, and between a
    // REVOKE and its GRANT in autocommit the running processes' writes were refused ("permission
    // denied for table events", seen as a 500 while another process started).
    await c.query('BEGIN');
    try {
      await grantRuntimeRole(c, role);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
  } finally {
    await c.query("SELECT pg_advisory_unlock(hashtext('almanac:runtime-grants'))");
  }
}

/**
 * Start-up: migrations as the owner, then the URL the service runs with.
 *  - DATABASE_MIGRATION_URL set: the owner grants DATABASE_URL's role its privileges;
 *  - else, outside production, a superuser DATABASE_URL provisions `almanac_runtime` and the
 *    service connects as it (so `npm start` from the one default URL is least-privileged too);
 *  - in production the service refuses to start if its role can modify `events`.
 */
export async function prepareDatabase(config: DatabaseConfig, warn: (message: string) => void = () => undefined): Promise<string> {
  const ownerUrl = config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL;
  await migrate(ownerUrl);
  let runtimeUrl = config.DATABASE_URL;
  if (config.DATABASE_MIGRATION_URL) {
    const role = urlUser(config.DATABASE_URL);
    if (role !== urlUser(ownerUrl)) await withClient(ownerUrl, (c) => grantsUnderLock(c, role));
  } else if (config.NODE_ENV !== 'production' && (await withClient(ownerUrl, isSuperuser))) {
    runtimeUrl = await provisionRuntimeRole(ownerUrl);
  }
  const powers = await withClient(runtimeUrl, eventPowers);
  if (powers.length) {
    const why = `DATABASE_URL's role "${urlUser(runtimeUrl)}" can modify events (${powers.join(', ')}): run the service as a role with only INSERT and SELECT on events, and migrations as the owner with DATABASE_MIGRATION_URL`;
    if (config.NODE_ENV === 'production') throw new ConfigError(why);
    warn(why);
  }
  return runtimeUrl;
}

async function isSuperuser(c: Client): Promise<boolean> {
  const { rows } = await c.query<{ ok: boolean }>('SELECT rolsuper AS ok FROM pg_roles WHERE rolname = current_user');
  return rows[0]?.ok ?? false;
}
