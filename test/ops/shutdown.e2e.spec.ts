import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { TestDatabase, createTestDatabase } from '../support/database';
import { waitFor } from '../support/wait';
import { TokenService } from '../../src/modules/auth/tokens';
import { TEST_JWT_SECRET } from '../support/app';
import { Child, event, queuePrefix, spawnApp } from './support';

interface Outcome {
  id: string;
  /** When the request was written out (after the signal: the client could not know). */
  sentAt: number;
  status?: number;
  connection?: string;
  code?: string;
  /** ECONNRESET, ECONNREFUSED, …: the request got no HTTP answer. */
  error?: string;
}

/** POST /v1/events over a kept-alive connection, recording exactly what came back. */
function post(agent: Agent, baseUrl: string, token: string, body: object, started: (o: Outcome) => void): Promise<Outcome> {
  const payload = JSON.stringify(body);
  const o: Outcome = { id: (body as { id: string }).id, sentAt: Number.POSITIVE_INFINITY };
  return new Promise((resolve) => {
    const req = request(`${baseUrl}/v1/events`, {
      method: 'POST',
      agent,
      // The key lets the test see, in the database, that the server has received the request and
      // is running it (its claim is written before the command).
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'idempotency-key': o.id },
    });
    req.setTimeout(30000, () => req.destroy(new Error('ETIMEDOUT')));
    req.on('finish', () => {
      o.sentAt = Date.now();
      started(o);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        o.status = res.statusCode;
        o.connection = res.headers.connection;
        try {
          o.code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string }).code;
        } catch {
          /* not JSON */
        }
        resolve(o);
      });
      res.on('error', (err: NodeJS.ErrnoException) => resolve(Object.assign(o, { error: err.code ?? err.message })));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(Object.assign(o, { error: err.code ?? err.message })));
    req.end(payload);
  });
}

/** Writes the server has received and is running (their Idempotency-Key claimed, no answer yet). */
async function writesClaimed(pg: Client): Promise<number> {
  const r = await pg.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE state = 'pending'`);
  return (r.rows[0] as { n: number }).n;
}

/** Sessions of this database queued behind a lock on `events`. */
async function writesWaiting(pg: Client): Promise<number> {
  const r = await pg.query(
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.relation = 'events'::regclass AND NOT l.granted AND d.datname = current_database()`,
  );
  return (r.rows[0] as { n: number }).n;
}

describe('SIGTERM', () => {
  let db: TestDatabase;
  let blocker: Client;
  const apps: Child[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('sigterm');
    blocker = new Client({ connectionString: db.url });
    await blocker.connect();
  });
  afterAll(async () => {
    await blocker?.end().catch(() => undefined);
    for (const a of apps) await a.kill();
    await db?.drop();
  });

  const start = async (timeoutSeconds: number) => {
    const app = await spawnApp('all', { DATABASE_URL: db.url, QUEUE_PREFIX: queuePrefix('sigterm'), SHUTDOWN_TIMEOUT_SECONDS: String(timeoutSeconds), LOG_LEVEL: 'info' });
    apps.push(app);
    return app;
  };
  const token = () => new TokenService(TEST_JWT_SECRET).sign('loader', ['staff']);

  it('under load: every request in flight at the signal is answered 201 and stored, later ones get 503 + Connection: close or a refused connection, and it exits 0 within the timeout', async () => {
    const app = await start(9);
    const jwt = await token();
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const outcomes: Outcome[] = [];
    const inFlight = new Set<Outcome>();
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const o = await post(agent, app.baseUrl, jwt, { ...event(`load ${n}-${i}`, i), id: randomUUID() }, (s) => inFlight.add(s));
        inFlight.delete(o);
        outcomes.push(o);
        if (o.error) await new Promise((r) => setTimeout(r, 20)); // refused: back off a little, as a client would
      }
    };
    const clients = Array.from({ length: 20 }, (_, n) => client(n));
    await waitFor('a steady stream of acknowledged writes', () => outcomes.filter((o) => o.status === 201).length >= 100, 30000, 20);

    // Hold every append inside the server: each of the 20 clients has a write out, which the server
    // has received and claimed; the appends queue behind the lock (group commit folds those that
    // arrive while one commit is in flight, so at least one session waits on it).
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE events IN SHARE MODE');
    await waitFor('20 writes held by the lock', async () => inFlight.size === 20 && (await writesClaimed(blocker)) === 20 && (await writesWaiting(blocker)) >= 1, 15000, 20);
    const before = [...inFlight];

    const signalledAt = Date.now();
    app.proc.kill('SIGTERM');
    await waitFor('the server to start draining', () => /SIGTERM received: draining/.test(app.stdout()), 5000, 10);
    await blocker.query('COMMIT');
    const { code, signal } = await app.exited;
    const exitedAfter = Date.now() - signalledAt;
    stop = true;
    await Promise.all(clients);
    agent.destroy();

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(exitedAfter).toBeLessThan(9000);

    // Sent before the signal and received (queued in the database): answered, none reset.
    expect(before.map((o) => ({ status: o.status, error: o.error }))).toEqual(before.map(() => ({ status: 201, error: undefined })));
    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.id);
    const stored = new Set(
      ((await db.dataSource.query(`SELECT stream_id FROM events WHERE stream_id = ANY($1)`, [acknowledged.map((id) => `calendar-event-${id}`)])) as { stream_id: string }[]).map((r) => r.stream_id),
    );
    expect(acknowledged.filter((id) => !stored.has(`calendar-event-${id}`))).toEqual([]);

    // After the signal: a clean 503 that closes the kept-alive connection, or no connection at all.
    const after = outcomes.filter((o) => !before.includes(o) && o.status !== 201);
    const unclean = after.filter((o) => !(o.status === 503 && o.code === 'SHUTTING_DOWN' && o.connection === 'close') && !(o.error && o.sentAt > signalledAt));
    expect(unclean).toEqual([]);
    expect(after.some((o) => o.status === 503)).toBe(true); // the drain answered, not only the closed port
    expect(app.stderr()).not.toMatch(/failed|Error/);
  }, 60000);

  it('past SHUTDOWN_TIMEOUT_SECONDS a drain that hangs is cut short: exit 1, logged', async () => {
    const app = await start(1);
    const jwt = await token();
    const agent = new Agent({ keepAlive: true });
    await blocker.query('BEGIN');
    try {
      await blocker.query('LOCK TABLE events IN SHARE MODE');
      const hung = post(agent, app.baseUrl, jwt, { ...event('hangs', 1), id: randomUUID() }, () => undefined);
      await waitFor('the write to hang on the lock', async () => (await writesWaiting(blocker)) === 1);
      const signalledAt = Date.now();
      app.proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const exited = await Promise.race([app.exited, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), 5000)))]);
      clearTimeout(timer);
      expect(exited).toEqual({ code: 1, signal: null });
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1000);
      expect(app.stdout()).toMatch(/still draining after 1 s: exiting/);
      await hung;
    } finally {
      await blocker.query('ROLLBACK');
      agent.destroy();
    }
    // The budget includes booting `all` (two applications: the API and the worker thread's).
  }, 60000);
});
