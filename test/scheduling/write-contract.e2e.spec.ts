import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { QUEUES } from '../../src/jobs/catalog';
import { Checkpoints } from '../../src/projections/checkpoints';
import { TestApp, HttpResult, http, startTestApp } from '../support/app';
import type { Role } from '../../src/common/auth/principal';
import { waitFor } from '../support/wait';
import { startTestWorker, testConfig } from '../support/worker';

/** Erasure destroys the subscriber's key and records the decision in the log. */
const ERASE_APPENDS = 1;

interface Problem {
  code: string;
  status: number;
}

/**
 * The write contract on EVERY write route: `Idempotency-Key` (the same key and body replay the
 * first response and append nothing; another body is 422; keys are per caller, anonymous callers
 * per client address; two concurrent requests with one key run the command once), and
 * `If-Match` on PATCH, reschedule and cancel (a version that existed but is no longer current
 * is 412; two clients racing with the same version: exactly one wins).
 */
describe('the write contract on every write route', () => {
  let t: TestApp;
  const tokens: Partial<Record<Role, string>> = {};
  let second: Partial<Record<Role, string>> = {};
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    t = await startTestApp('writes', {}, 'api');
    for (const r of ['staff', 'admin'] as const) tokens[r] = await t.token(`${r}-1`, r);
    second = { staff: await t.token('staff-2', 'staff'), admin: await t.token('admin-2', 'admin') };
  });
  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  const event = (title = 'Write contract forum') => ({
    title,
    description: '',
    programme: 'culture',
    location: { city: 'Seoul', country: 'KR', venue: null },
    start: { date: '2031-05-10' },
    end: { date: '2031-05-11' },
  });
  const logSize = async (): Promise<number> => (await t.db.dataSource.query('SELECT count(*)::int AS n FROM events'))[0].n;
  const schedule = async (): Promise<string> => {
    const r = await http<{ id: string }>(t.baseUrl, 'POST', '/v1/events', { token: tokens.staff, body: event() });
    expect(r.status).toBe(201);
    return r.body.id;
  };
  /**
   * A subscription to erase. Sign-ups are queued and handled by a worker, started here only for
   * the erasure cases (last): until then no background work appends to the log.
   */
  const erased = new Set<string>();
  const subscriptionId = async (): Promise<string> => {
    worker ??= await startTestWorker(testConfig(t.db.url, t.config.QUEUE_PREFIX));
    expect((await http(t.baseUrl, 'POST', '/v1/subscriptions', { body: { email: `${randomUUID()}@example.org` } })).status).toBe(202);
    const id = await waitFor('a subscription in the log', async () => {
      const rows: { stream_id: string }[] = await t.db.dataSource.query(`SELECT stream_id FROM events WHERE type = 'SubscriptionRequested'`);
      return rows.map((r) => r.stream_id.replace(/^subscription-/, '')).find((i) => !erased.has(i));
    });
    erased.add(id);
    return id;
  };
  const signUpJobs = async (): Promise<number> => {
    const counts = await t.app.get<Queue>(getQueueToken(QUEUES.subscriptions)).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };
  const streamSize = async (path: string): Promise<number> =>
    (await t.db.dataSource.query('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', [`subscription-${path.split('/').pop()}`]))[0].n;
  const listing = (n: number) => `When Where\n${n} March 2031 Tokyo, Japan Write contract forum ${randomUUID()}\n`;

  /** A delivery as a send leaves it after the SMTP server refused it for good: what an admin retries. */
  const failedDelivery = async (): Promise<string> => {
    const key = `confirm|${randomUUID()}|1|0`;
    await t.db.dataSource.query(
      `INSERT INTO deliveries (delivery_key, kind, subscription_id, status, reason, reason_code, attempts, payload) VALUES ($1, 'confirm', $2, 'failed', '550 refused', 'smtp-550', 1, '{}'::jsonb)`,
      [key, randomUUID()],
    );
    return `/v1/admin/deliveries/${encodeURIComponent(key)}/retry`;
  };
  const emailJobs = async (): Promise<number> => {
    const counts = await t.app.get<Queue>(getQueueToken(QUEUES.email)).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };
  /**
   * An event of the calendar's live model parked (as the runner parks one it cannot apply):
   * what an admin skips. The skip's body names its position, so each scenario parks its own.
   */
  let parkedAt = '';
  const parked = async (): Promise<string> => {
    const id = await schedule();
    const [e]: { transaction_id: string; position: string }[] = await t.db.dataSource.query(`SELECT transaction_id::text, position::text FROM events WHERE stream_id = $1 AND version = 1`, [
      `calendar-event-${id}`,
    ]);
    await Checkpoints.ensure(t.db.dataSource.manager, 'calendar');
    await t.db.dataSource.query(
      `INSERT INTO projection_parked (projection, stream_id, transaction_id, position, event_type, version, error) VALUES ('calendar', $1, $2::xid8, $3, 'EventScheduled', 1, 'cannot apply (fixture)')`,
      [`calendar-event-${id}`, e.transaction_id, e.position],
    );
    parkedAt = e.position;
    return '/v1/admin/projections/calendar/skip';
  };
  const webhook = async (): Promise<string> => {
    const r = await http<{ id: string }>(t.baseUrl, 'POST', '/v1/admin/webhooks', { token: tokens.admin, body: { url: 'http://127.0.0.1:9/write-contract' } });
    expect(r.status).toBe(201);
    return `/v1/admin/webhooks/${r.body.id}`;
  };
  const webhooks = async (): Promise<number> => (await t.db.dataSource.query('SELECT count(*)::int AS n FROM webhook_endpoints'))[0].n;

  interface Route {
    name: string;
    method: string;
    /** A fresh target (path) for one scenario. */
    path: () => Promise<string>;
    body: () => unknown;
    other: () => unknown;
    /** Who calls it; `anonymous` callers are told apart by their address. */
    as: Role | 'anonymous';
    status: number;
    /** What one execution does, counted by `effect`: events appended, unless said otherwise. */
    appends: number;
    effect?: (path: string) => Promise<number>;
    headers?: Record<string, string>;
    /** Another route with the same key is "another request" too (bodyless DELETE). */
    otherPath?: () => Promise<string>;
  }

  const ROUTES: Route[] = [
    { name: 'schedule', method: 'POST', path: async () => '/v1/events', body: () => event(), other: () => event('Another forum'), as: 'staff', status: 201, appends: 1 },
    {
      name: 'change',
      method: 'PATCH',
      path: async () => `/v1/events/${await schedule()}`,
      body: () => ({ title: 'Renamed' }),
      other: () => ({ title: 'Renamed otherwise' }),
      as: 'staff',
      status: 200,
      appends: 1,
    },
    {
      name: 'reschedule',
      method: 'POST',
      path: async () => `/v1/events/${await schedule()}/reschedule`,
      body: () => ({ start: { date: '2031-06-01' }, end: { date: '2031-06-02' } }),
      other: () => ({ start: { date: '2031-07-01' }, end: { date: '2031-07-02' } }),
      as: 'staff',
      status: 200,
      appends: 1,
    },
    {
      name: 'cancel',
      method: 'POST',
      path: async () => `/v1/events/${await schedule()}/cancel`,
      body: () => ({ reason: 'rain' }),
      other: () => ({ reason: 'snow' }),
      as: 'staff',
      status: 200,
      appends: 1,
    },
    {
      name: 'change rule',
      method: 'POST',
      path: async () => `/v1/events/${await schedule()}/recurrence`,
      body: () => ({ recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3'] }),
      other: () => ({ recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'] }),
      as: 'staff',
      status: 200,
      appends: 1,
    },
    {
      name: 'import',
      method: 'POST',
      path: async () => '/v1/imports',
      body: () => listing(3),
      other: () => listing(4),
      as: 'staff',
      status: 200,
      appends: 1,
      headers: { 'content-type': 'text/plain' },
    },
    {
      name: 'subscribe',
      method: 'POST',
      path: async () => '/v1/subscriptions',
      body: () => ({ email: `${randomUUID()}@example.org` }),
      other: () => ({ email: `${randomUUID()}@example.org` }),
      as: 'anonymous',
      status: 202,
      // Queued sealed, answered without touching the database: one sign-up job per execution.
      appends: 1,
      effect: signUpJobs,
    },
    {
      name: 'retry parked streams',
      method: 'POST',
      path: async () => '/v1/admin/projections/calendar/retry',
      body: () => undefined,
      other: () => undefined,
      as: 'admin',
      status: 200,
      appends: 0,
      otherPath: async () => '/v1/admin/projections/subscriptions/retry',
    },
    {
      name: 'skip a parked event',
      method: 'POST',
      path: parked,
      body: () => ({ position: parkedAt, reason: 'fixture' }),
      other: () => ({ position: parkedAt, reason: 'another reason' }),
      as: 'admin',
      status: 200,
      appends: 1,
    },
    // Queued, not appended: one send job per execution (no worker runs yet to take it).
    {
      name: 'retry a delivery',
      method: 'POST',
      path: failedDelivery,
      body: () => undefined,
      other: () => undefined,
      as: 'admin',
      status: 202,
      appends: 1,
      effect: emailJobs,
      otherPath: failedDelivery,
    },
    {
      name: 'create a webhook',
      method: 'POST',
      path: async () => '/v1/admin/webhooks',
      body: () => ({ url: 'http://127.0.0.1:9/a' }),
      other: () => ({ url: 'http://127.0.0.1:9/b' }),
      as: 'admin',
      status: 201,
      appends: 1,
      effect: webhooks,
    },
    // Rows changed in place: a second execution shows in the answer (a new updatedAt, a new secret, a 404).
    { name: 'change a webhook', method: 'PATCH', path: webhook, body: () => ({ description: 'one' }), other: () => ({ description: 'two' }), as: 'admin', status: 200, appends: 0 },
    {
      name: 'rotate a webhook secret',
      method: 'POST',
      path: async () => `${await webhook()}/rotate-secret`,
      body: () => undefined,
      other: () => undefined,
      as: 'admin',
      status: 200,
      appends: 0,
      otherPath: async () => `${await webhook()}/rotate-secret`,
    },
    {
      name: 'replay a webhook',
      method: 'POST',
      path: async () => `${await webhook()}/replay`,
      body: () => ({ fromPosition: '0' }),
      other: () => ({ fromPosition: '1' }),
      as: 'admin',
      status: 202,
      appends: 0,
    },
    { name: 'delete a webhook', method: 'DELETE', path: webhook, body: () => undefined, other: () => undefined, as: 'admin', status: 204, appends: -1, effect: webhooks, otherPath: webhook },
    {
      name: 'rebuild a projection',
      method: 'POST',
      path: async () => '/v1/admin/projections/calendar/rebuild',
      body: () => undefined,
      other: () => undefined,
      as: 'admin',
      status: 202,
      appends: 0,
      otherPath: async () => '/v1/admin/projections/subscriptions/rebuild',
    },
    {
      name: 'erase a subscriber',
      method: 'DELETE',
      path: async () => `/v1/admin/subscriptions/${await subscriptionId()}`,
      body: () => undefined,
      other: () => undefined,
      as: 'admin',
      status: 204,
      appends: ERASE_APPENDS,
      effect: streamSize,
      otherPath: async () => `/v1/admin/subscriptions/${await subscriptionId()}`,
    },
  ];

  /** Each body is generated once per scenario, so "the same body" is the same bytes. */
  const send = (r: Route, path: string, body: unknown, key: string, caller: 'first' | 'second' = 'first'): Promise<HttpResult<Record<string, unknown>>> => {
    const headers: Record<string, string> = { ...(r.headers ?? {}), 'idempotency-key': key };
    let token: string | undefined;
    if (r.as === 'anonymous') headers['x-forwarded-for'] = caller === 'first' ? '203.0.113.1' : '203.0.113.2';
    else token = (caller === 'first' ? tokens : second)[r.as];
    return http(t.baseUrl, r.method, path, { token, body, headers });
  };
  /** What a client reads from a write's answer (a weak ETag is Express hashing the body's bytes: equal bytes, equal ETag). */
  const replayHeaders = (res: HttpResult) => Object.fromEntries(['location', 'x-log-position', 'content-type', 'etag', 'content-length'].map((h) => [h, res.headers.get(h)]));

  describe.each(ROUTES)('$name', (r) => {
    it('the same key and body replay the first response and append nothing; another body is 422', async () => {
      const path = await r.path();
      const body = r.body();
      const key = randomUUID();
      const otherPath = r.otherPath ? await r.otherPath() : path;
      const effect = () => (r.effect ?? logSize)(path);
      const before = await effect();
      const first = await send(r, path, body, key);
      expect(first.status).toBe(r.status);
      const size = await effect();
      expect(size - before).toBe(r.appends);

      const replay = await send(r, path, body, key);
      expect({ status: replay.status, body: replay.body, headers: replayHeaders(replay) }).toEqual({ status: first.status, body: first.body, headers: replayHeaders(first) });
      // The very bytes of the first answer, not an equal JSON value with its keys reordered.
      expect(replay.text).toBe(first.text);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');

      const other = await send(r, otherPath, r.other(), key);
      expect(other.status).toBe(422);
      expect(other.headers.get('content-type')).toContain('application/problem+json');
      expect((other.body as unknown as Problem).code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await effect()).toBe(size);
    });

    it("keys are per caller: another caller's same key runs its own request", async () => {
      const key = randomUUID();
      const first = await send(r, await r.path(), r.body(), key, 'first');
      expect(first.status).toBe(r.status);
      const theirs = await send(r, r.otherPath ? await r.otherPath() : await r.path(), r.other(), key, 'second');
      expect(theirs.status).toBe(r.status);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    });

    it('two concurrent requests with one key: the command runs once, the other gets the replay or a precise 409', async () => {
      const path = await r.path();
      const body = r.body();
      const key = randomUUID();
      const effect = () => (r.effect ?? logSize)(path);
      const size = await effect();
      const [a, b] = await Promise.all([send(r, path, body, key), send(r, path, body, key)]);
      const winners = [a, b].filter((x) => x.status === r.status && x.headers.get('idempotent-replayed') === null);
      expect(winners).toHaveLength(1);
      const loser = a === winners[0] ? b : a;
      if (loser.status === 409) {
        expect(loser.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_PROGRESS', status: 409 });
        expect(loser.headers.get('retry-after')).toBe('1');
      } else {
        expect({ status: loser.status, text: loser.text, replayed: loser.headers.get('idempotent-replayed') }).toEqual({ status: winners[0].status, text: winners[0].text, replayed: 'true' });
      }
      expect(await effect()).toBe(size + r.appends);
    });
  });

  describe.each(['change', 'reschedule', 'cancel'])('If-Match on %s', (name) => {
    const r = () => ROUTES.find((x) => x.name === name)!;
    it('a version that existed but is no longer current is 412 with the current ETag, and changes nothing', async () => {
      const id = await schedule();
      const moved = await http(t.baseUrl, 'PATCH', `/v1/events/${id}`, { token: tokens.staff, body: { title: 'Second version' }, headers: { 'if-match': '"1"' } });
      expect(moved.status).toBe(200);
      const path = (await r().path()).replace(/[0-9a-f-]{36}/, id);
      const size = await logSize();
      const stale = await http<Problem>(t.baseUrl, r().method, path, { token: tokens.staff, body: r().other(), headers: { 'if-match': '"1"' } });
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('VERSION_MISMATCH');
      expect(stale.headers.get('etag')).toBe('"2"');
      expect(await logSize()).toBe(size);
    });

    it('two clients with the same If-Match: exactly one wins, the other gets 412 naming the winner’s version', async () => {
      const id = await schedule();
      const path = (await r().path()).replace(/[0-9a-f-]{36}/, id);
      const size = await logSize();
      const [a, b] = await Promise.all([
        http<Problem>(t.baseUrl, r().method, path, { token: tokens.staff, body: r().body(), headers: { 'if-match': '"1"' } }),
        http<Problem>(t.baseUrl, r().method, path, { token: second.staff, body: r().other(), headers: { 'if-match': '"1"' } }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 412]);
      const loser = a.status === 412 ? a : b;
      expect(loser.body.code).toBe('VERSION_MISMATCH');
      expect(loser.headers.get('etag')).toBe('"2"');
      expect(await logSize()).toBe(size + 1);
    });
  });
});
