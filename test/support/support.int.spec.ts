import { Client } from 'pg';
import { startTestApp } from './app';
import { RUN_ID } from './run';

const BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The test harness itself: a file whose set-up throws must not leave its database behind. */
describe('test support', () => {
  it('given an app start-up that throws, startTestApp rethrows and drops the database it created', async () => {
    await expect(startTestApp('leakcheck', { NODE_ENV: 'production' })).rejects.toThrow(/SMTP_URL/);
    const pg = new Client({ connectionString: BASE });
    await pg.connect();
    try {
      const { rows } = await pg.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`almanac\\_t\\_leakcheck\\_${RUN_ID}\\_%`]);
      expect(rows).toEqual([]);
    } finally {
      await pg.end();
    }
  });
});
