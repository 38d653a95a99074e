import { Client, Pool } from 'pg';
import { ensureDatabase, migrate } from '../../database/database';
import { provisionRuntimeRole } from '../../database/runtime-role';
import { BENCH_DATABASE_URL, uniqueSuffix, withDatabase } from './env';

/** Databases not dropped yet, so an interrupted run (Ctrl-C) can still drop them. */
const live = new Map<string, BenchDatabase>();

export async function dropAllBenchDatabases(): Promise<void> {
  await Promise.all([...live.values()].map((d) => d.drop().catch(() => undefined)));
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** A small pool for the bench's own queries (setup, raw limits, progress checks). */
  pool: Pool;
  drop(): Promise<void>;
}

/**
 * A fresh database for one benchmark: `almanac_bench_<name>_<rand>`, dropped at the end; with
 * almanac's schema unless `schema: false` (a peer that brings its own).
 */
export async function createBenchDatabase(label: string, poolSize = 4, { schema = true }: { schema?: boolean } = {}): Promise<BenchDatabase> {
  const name = `almanac_bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${uniqueSuffix()}`;
  const url = withDatabase(BENCH_DATABASE_URL, name);
  if (schema) {
    await migrate(url);
    // The app runs as the runtime role (appEnv), as production does; the bench itself stays the owner.
    await provisionRuntimeRole(url);
  } else {
    await ensureDatabase(url);
  }
  const pool = new Pool({ connectionString: url, max: poolSize, application_name: `bench-${label}` });
  pool.on('error', () => undefined); // a dropped idle connection at the end is not an error
  let dropped = false;
  const db: BenchDatabase = {
    name,
    url,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      live.delete(name);
      await pool.end().catch(() => undefined);
      await dropDatabase(name);
    },
  };
  live.set(name, db);
  return db;
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: BENCH_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** The PostgreSQL server version (machine limits are recorded beside the results). */
export async function postgresVersion(): Promise<string> {
  const c = new Client({ connectionString: BENCH_DATABASE_URL });
  await c.connect();
  try {
    const rows = (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows;
    return rows[0].v;
  } finally {
    await c.end();
  }
}

export { projectionsCaughtUp } from '../../projections/caught-up';
