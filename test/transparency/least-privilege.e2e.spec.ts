import { generateKeyPairSync } from 'node:crypto';
import { Client } from 'pg';
import { ConfigError } from '../../src/config/config';
import { RUNTIME_ROLE, prepareDatabase } from '../../src/database/runtime-role';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { TestApp, http, startTestApp } from '../support/app';
import { createTestDatabase } from '../support/database';
import { Child, MAIN, requireBuild, spawnApp, spawnDist } from '../ops/support';

/**
 * The service connects as a role that can read and append to the log and nothing more: even a
 * compromised service cannot rewrite history. Only the owner (migrations) could, and the
 * transparency log's checkpoints catch that.
 */
describe('least privilege: the runtime role cannot rewrite events', () => {
  let t: TestApp;
  let runtime: Client;
  const children: Child[] = [];

  beforeAll(async () => {
    requireBuild();
    t = await startTestApp('leastprivilege', {}, 'all');
    await t.app.get(PostgresEventStore).append('ledger-1', 0, [{ type: 'Entry', data: { n: 1 } }], { actor: 'a', correlationId: 'c', causationId: 'c' });
    runtime = new Client({ connectionString: t.config.DATABASE_URL });
    await runtime.connect();
  });
  afterAll(async () => {
    for (const c of children) await c.kill();
    await runtime?.end();
    await t?.close();
  });

  it('the service runs as the runtime role, which reads and appends', async () => {
    const who = await runtime.query<{ u: string }>('SELECT current_user AS u');
    expect(who.rows[0].u).toBe(RUNTIME_ROLE);
    const n = await runtime.query<{ n: string }>('SELECT count(*)::text AS n FROM events');
    expect(n.rows[0].n).toBe('1');
    // Writes through the API append as that role.
    const staff = await t.token('s', 'staff');
    const r = await http(t.baseUrl, 'POST', '/v1/events', {
      token: staff,
      body: { title: 'Least privilege', programme: 'communication-information', location: { city: 'Seoul', country: 'KR', venue: null }, start: { date: '2031-01-05' }, end: { date: '2031-01-06' } },
    });
    expect(r.status).toBe(201);
  });

  it.each([
    ['UPDATE', `UPDATE events SET data = '{}'`],
    ['DELETE', 'DELETE FROM events'],
    ['TRUNCATE', 'TRUNCATE events'],
    ['ALTER (disable the append-only trigger)', 'ALTER TABLE events DISABLE TRIGGER USER'],
    ['ALTER (add a column)', 'ALTER TABLE events ADD COLUMN note text'],
    ['DROP', 'DROP TABLE events'],
    ['turn triggers off for the session', 'SET session_replication_role = replica'],
  ])('%s on events as the runtime role: permission denied', async (_what, sql) => {
    await expect(runtime.query(sql)).rejects.toMatchObject({ code: expect.stringMatching(/^42501$/) });
    const n = await runtime.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(n.rows[0].n).toBeGreaterThanOrEqual(1);
  });

  it('in production the service refuses to run as a role that can modify events, in one line', async () => {
    await expect(prepareDatabase({ NODE_ENV: 'production', DATABASE_URL: t.db.url })).rejects.toThrow(ConfigError);
    await expect(prepareDatabase({ NODE_ENV: 'production', DATABASE_URL: t.db.url })).rejects.toThrow(/can modify events \(is a superuser/);
    // Migrations as the owner, the service as the runtime role: accepted.
    expect(await prepareDatabase({ NODE_ENV: 'production', DATABASE_URL: t.config.DATABASE_URL, DATABASE_MIGRATION_URL: t.db.url })).toBe(t.config.DATABASE_URL);
    const c = await spawnDist(MAIN, ['api'], {
      NODE_ENV: 'production',
      DATABASE_URL: t.db.url,
      SMTP_URL: 'smtp://127.0.0.1:9',
      CHECKPOINT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      AUTH_JWT_SECRET: 'a'.repeat(40),
      DATA_KEY_SECRET: 'b'.repeat(40),
      PUBLIC_BASE_URL: 'https://almanac.example',
      QUEUE_PREFIX: 'lp',
    });
    children.push(c);
    expect((await c.exited).code).not.toBe(0);
    const lines = c.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^almanac: DATABASE_URL's role "postgres" can modify events/);
  });

  it('`npm start` from one development superuser URL connects the service as the runtime role', async () => {
    const fresh = await createTestDatabase('leastprivilegedev');
    try {
      const app = await spawnApp('api', { NODE_ENV: 'development', DATABASE_URL: fresh.url, QUEUE_PREFIX: `${t.config.QUEUE_PREFIX}-dev` });
      children.push(app);
      const sessions = await fresh.dataSource.query(`SELECT usename FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'almanac'`);
      expect(sessions.length).toBeGreaterThan(0);
      expect(new Set(sessions.map((r: { usename: string }) => r.usename))).toEqual(new Set([RUNTIME_ROLE]));
      await app.kill();
    } finally {
      await fresh.drop();
    }
  });
});
