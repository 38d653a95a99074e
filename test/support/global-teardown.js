// Removes what this run created on the shared servers — its databases and its Redis keys — even
// when a file's set-up threw before it could clean up. Only names carrying this run's id are
// touched: other runs on the same servers keep theirs.
const Redis = require('ioredis');
const { Client } = require('pg');

const BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

module.exports = async function globalTeardown() {
  const run = process.env.ALMANAC_TEST_RUN;
  if (!/^r[0-9a-f]{6}$/.test(run ?? '')) return;
  const pg = new Client({ connectionString: BASE });
  await pg.connect();
  try {
    const { rows } = await pg.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`almanac\\_t\\_%\\_${run}\\_%`]);
    for (const { datname } of rows) await pg.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await pg.end();
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for (const match of [`{t-*-${run}-*`, `t-*-${run}-*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
};
