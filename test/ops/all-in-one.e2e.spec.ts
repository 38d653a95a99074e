import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { QUEUES, queuePrefix as bullPrefix } from '../../src/jobs/catalog';
import { TokenService } from '../../src/modules/auth/tokens';
import { TEST_JWT_SECRET, http } from '../support/app';
import { TestDatabase, createTestDatabase } from '../support/database';
import { waitFor } from '../support/wait';
import { Child, REDIS_URL, event, logLines, queuePrefix, requireBuild, spawnApp } from './support';

const FAULTS = resolve(__dirname, '../support/thread-faults.js');
/** How long SIGUSR2 holds the main thread busy: far longer than a projection batch takes. */
const BLOCK_MS = 6000;

/** Sessions of this database waiting for a lock on calendar_events (a projection batch held by the test). */
async function projectionsWaiting(pg: Client): Promise<number> {
  const r = await pg.query(
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.relation = 'calendar_events'::regclass AND NOT l.granted AND d.datname = current_database()`,
  );
  return (r.rows[0] as { n: number }).n;
}

async function projected(pg: Client, id: string): Promise<boolean> {
  return (await pg.query('SELECT 1 FROM calendar_events WHERE id = $1', [id])).rowCount === 1;
}

/**
 * `node dist/main.js all` (what `npm start` runs) is one process whose worker side runs in a
 * worker thread: its own event loop, drained with the API on SIGTERM, and no half process if it dies.
 */
describe('npm start: the API and a worker thread in one process', () => {
  let db: TestDatabase;
  let pg: Client;
  let dir: string;
  const children: Child[] = [];
  const staff = () => new TokenService(TEST_JWT_SECRET).sign('alice', ['staff']);

  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase('allinone');
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    dir = mkdtempSync(join(tmpdir(), 'almanac-allinone-'));
  });
  afterAll(async () => {
    for (const c of children) await c.kill();
    await pg?.end().catch(() => undefined);
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const start = async (prefix: string, env: Record<string, string> = {}) => {
    const c = await spawnApp('all', { DATABASE_URL: db.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', NODE_OPTIONS: `--require ${FAULTS}`, ...env });
    children.push(c);
    return c;
  };

  it('projects a write while the API thread is held busy: the worker side has its own event loop; the write then reads back', async () => {
    const blocked = join(dir, 'blocked');
    const app = await start(queuePrefix('allinone-loop'), { ALMANAC_TEST_BLOCK_MS: String(BLOCK_MS), ALMANAC_TEST_BLOCKED_FILE: blocked });
    // The projection of the write is held on a lock, so it is still to do when the API thread stops.
    await pg.query('BEGIN');
    let locked = true;
    try {
      await pg.query('LOCK TABLE calendar_events IN EXCLUSIVE MODE');
      const created = await http<{ id: string }>(app.baseUrl, 'POST', '/v1/events', { token: await staff(), body: event('while the api is busy') });
      expect(created.status).toBe(201);
      await waitFor('the projection to wait on the lock', async () => (await projectionsWaiting(pg)) >= 1, 20000, 20);
      app.proc.kill('SIGUSR2');
      await waitFor('the API thread to be busy', () => existsSync(blocked), 5000, 10);
      const busyFrom = Number(readFileSync(blocked, 'utf8'));
      // Sent while the API thread is busy, on a new connection (a kept-alive one may time out meanwhile): answered only once it is free again.
      const live = new Promise<number>((res, rej) => get(`${app.baseUrl}/health/live`, { agent: false }, (r) => r.resume().on('end', () => res(Date.now()))).on('error', rej));
      await pg.query('COMMIT');
      locked = false;
      await waitFor('the write projected', () => projected(pg, created.body.id), BLOCK_MS * 2, 10);
      const projectedAt = Date.now();
      const answeredAt = await live;
      expect(answeredAt - busyFrom).toBeGreaterThanOrEqual(BLOCK_MS - 50);
      // The worker thread applied it while the API's event loop was still held.
      expect(projectedAt).toBeLessThan(answeredAt);
      expect((await http(app.baseUrl, 'GET', `/v1/events/${created.body.id}`)).status).toBe(200);
      expect(app.stderr()).toBe('');
    } finally {
      if (locked) await pg.query('ROLLBACK');
      // Its worker thread would project the next test's writes too (same database).
      await app.kill();
    }
  }, 60000);

  it('SIGTERM drains both sides: the projection batch running at the signal completes, its job is not left active, and the process exits 0 after the worker thread', async () => {
    const prefix = queuePrefix('allinone-drain');
    const app = await start(prefix);
    const projections = new Queue(QUEUES.projections, { connection: { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) }, prefix: bullPrefix(prefix) });
    try {
      await pg.query('BEGIN');
      let locked = true;
      try {
        await pg.query('LOCK TABLE calendar_events IN EXCLUSIVE MODE');
        const created = await http<{ id: string }>(app.baseUrl, 'POST', '/v1/events', { token: await staff(), body: event('in flight at the signal') });
        expect(created.status).toBe(201);
        await waitFor('the projection batch to wait on the lock', async () => (await projectionsWaiting(pg)) >= 1 && (await projections.getActiveCount()) >= 1, 20000, 20);
        app.proc.kill('SIGTERM');
        await waitFor('the drain to start', () => /SIGTERM received: draining/.test(app.stdout()), 5000, 10);
        // The API side has closed; the process stays up while its worker thread finishes the batch (held by the lock).
        await waitFor('the API to close', () => /"msg":"API closed"/.test(app.stdout()), 15000, 10);
        expect(app.proc.exitCode).toBeNull();
        expect(await projections.getActiveCount()).toBeGreaterThanOrEqual(1);
        await pg.query('COMMIT');
        locked = false;
        const { code, signal } = await app.exited;
        expect({ code, signal }).toEqual({ code: 0, signal: null });
        expect(app.stdout()).toMatch(/"msg":"worker thread closed"/);
        expect(await projected(pg, created.body.id)).toBe(true);
      } finally {
        if (locked) await pg.query('ROLLBACK');
      }
      expect(await projections.getActiveCount()).toBe(0);
      expect(await projections.getFailedCount()).toBe(0);
      expect(await projections.getWorkersCount()).toBe(0);
      expect(app.stderr()).toBe('');
    } finally {
      await projections.close();
    }
  }, 60000);

  it('a worker thread that dies takes the process with it: exit 1 with the error logged, never an API alone', async () => {
    const crash = join(dir, 'crash');
    const app = await start(queuePrefix('allinone-crash'), { ALMANAC_TEST_CRASH_FILE: crash });
    expect((await http(app.baseUrl, 'GET', '/health/ready')).status).toBe(200);
    writeFileSync(crash, '');
    const { code } = await waitFor('the process to exit', () => Promise.race([app.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]), 20000, 0);
    expect(code).toBe(1);
    const crashed = logLines(app).find((l) => l.event === 'worker_thread_crashed');
    expect(crashed).toMatchObject({ level: 50, err: { message: 'test fault: an uncaught error in the worker thread' } });
    expect(crashed?.msg).toBe('the worker thread stopped: test fault: an uncaught error in the worker thread; the process exits');
  }, 60000);
});
