import { randomUUID } from 'node:crypto';
import { TestDatabase, createTestDatabase } from '../support/database';
import { waitFor } from '../support/wait';
import { TokenService } from '../../src/modules/auth/tokens';
import { TEST_JWT_SECRET } from '../support/app';
import { Child, event, queuePrefix, requireBuild, spawnApp } from './support';

type Outcome = { id: string; sentAt: number; status: number | 'error'; code?: string };

/** SIGTERM while writes stream in: drain, exit 0 in time, and no acknowledged write is lost. */
describe('SIGTERM under load', () => {
  let db: TestDatabase;
  let app: Child;

  beforeAll(async () => {
    requireBuild();
    db = await createTestDatabase('sigterm');
  });
  afterAll(async () => {
    await app?.kill();
    await db?.drop();
  });

  it('exits 0 within 10 s; every 201 is in the log; later requests are refused or 503, never 5xx otherwise', async () => {
    app = await spawnApp('all', { DATABASE_URL: db.url, QUEUE_PREFIX: queuePrefix('sigterm'), SHUTDOWN_TIMEOUT_SECONDS: '9', LOG_LEVEL: 'info' });
    const token = await new TokenService(TEST_JWT_SECRET).sign('loader', ['staff']);
    const outcomes: Outcome[] = [];
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const id = randomUUID();
        const sentAt = Date.now();
        try {
          const r = await fetch(`${app.baseUrl}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ ...event(`load ${n}-${i}`, i), id }),
            signal: AbortSignal.timeout(15000),
          });
          const body = (await r.json().catch(() => ({}))) as { code?: string };
          outcomes.push({ id, sentAt, status: r.status, code: body.code });
        } catch {
          outcomes.push({ id, sentAt, status: 'error' });
          await new Promise((r) => setTimeout(r, 20)); // refused: back off a little, as a client would
        }
      }
    };
    const clients = Array.from({ length: 20 }, (_, n) => client(n));

    await waitFor('a steady stream of acknowledged writes', () => outcomes.filter((o) => o.status === 201).length >= 100, 30000, 20);
    const signalledAt = Date.now();
    app.proc.kill('SIGTERM');
    const { code, signal } = await app.exited;
    const exitedAfter = Date.now() - signalledAt;
    await waitFor('the clients to see the server gone', () => outcomes.filter((o) => o.sentAt > signalledAt + exitedAfter && o.status === 'error').length >= 20, 10000, 20);
    stop = true;
    await Promise.all(clients);

    if (code !== 0) console.error(exitedAfter, app.stdout().split('\n').filter((l) => !l.includes('"level":30,') || /drain|clos|SIGTERM/i.test(l)).slice(-30).join('\n'));
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(exitedAfter).toBeLessThan(10000);

    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.id);
    const stored = new Set(
      ((await db.dataSource.query(`SELECT stream_id FROM events WHERE stream_id = ANY($1)`, [acknowledged.map((id) => `calendar-event-${id}`)])) as { stream_id: string }[]).map((r) => r.stream_id),
    );
    expect(acknowledged.filter((id) => !stored.has(`calendar-event-${id}`))).toEqual([]);

    // Nothing but 201, a clean 503 SHUTTING_DOWN (kept-alive connections, while draining) or a refused connection.
    const unexpected = outcomes.filter((o) => o.status !== 201 && o.status !== 'error' && !(o.status === 503 && o.code === 'SHUTTING_DOWN'));
    expect(unexpected).toEqual([]);
    const after = outcomes.filter((o) => o.sentAt > signalledAt + exitedAfter);
    expect(after.every((o) => o.status === 'error')).toBe(true);
    // No crash on the way out.
    expect(app.stderr()).not.toMatch(/failed|Error/);
  }, 60000);
});
