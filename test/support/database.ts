import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrate } from '../../src/database/database';
import { testDatabaseName } from './run';

const BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  dataSource: DataSource;
  /** Superuser connection to the same database, for tamper and fault tests. */
  drop(): Promise<void>;
}

/** A fresh, migrated database owned by one test file, so files can run in parallel. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = testDatabaseName(label);
  const url = withDatabase(BASE, name);
  const dataSource = new DataSource(dataSourceOptions({ url, poolSize: 20, applicationName: `test-${label}` }));
  try {
    await migrate(url);
    await dataSource.initialize();
  } catch (err) {
    await dropDatabase(name);
    throw err;
  }
  return {
    url,
    name,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(name);
    },
  };
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
