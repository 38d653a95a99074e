import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { CALENDAR_EVENT_TYPES } from '../../src/modules/scheduling/domain/events';
import { TestApp, http, startTestApp } from '../support/app';
import { TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';
import { ReceivedWebhook, TestWebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

interface EndpointBody {
  id: string;
  url: string;
  eventTypes: string[];
  status: 'active' | 'paused';
  pausedReason: string | null;
  secret?: string;
  cursor: { position: string };
  failedAttempts: number;
  lastError: string | null;
}
interface LogItem {
  position: string;
  id: string;
  streamId: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: { actor: string; correlationId: string; recordedAt: string };
  recordedAt: string;
}
interface Body {
  type: string;
  timestamp: string;
  data: { position: string; eventId: string; streamId: string; version: number; type: string; data: Record<string, unknown>; metadata: Record<string, unknown> };
}

const BUDGET_SECONDS = 4;

/**
 * Webhooks end to end: the app and its worker in one process, real HTTP receivers started
 * here, PostgreSQL, Redis and an SMTP listener. Retry timing is shortened by configuration.
 */
describe('webhooks (e2e, real HTTP receivers)', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let admin: string;
  let staff: string;
  let auditor: string;
  const receivers: TestWebhookReceiver[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp(
      'webhooks',
      {
        SMTP_URL: smtp.url,
        WEBHOOKS_ADMIN_EMAILS: 'ops@almanac.test',
        WEBHOOKS_BACKOFF_SECONDS: '0.2,0.4,0.8',
        WEBHOOKS_RETRY_BUDGET_SECONDS: String(BUDGET_SECONDS),
        WEBHOOKS_TIMEOUT_SECONDS: '0.5',
        RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '0',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      },
      'all',
    );
    [admin, staff, auditor] = await Promise.all([t.token('root', 'admin'), t.token('sam', 'staff'), t.token('audrey', 'auditor')]);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await smtp?.close();
  });

  const receiver = async () => {
    const r = await startWebhookReceiver();
    receivers.push(r);
    return r;
  };
  const register = async (url: string, extra: Record<string, unknown> = {}) => {
    const r = await http<EndpointBody>(t.baseUrl, 'POST', '/v1/admin/webhooks', { token: admin, body: { url, ...extra } });
    expect(r.status).toBe(201);
    return r.body;
  };
  let n = 0;
  const schedule = async () => {
    n++;
    const r = await http<{ id: string; version: number }>(t.baseUrl, 'POST', '/v1/events', {
      token: staff,
      body: { title: `Forum ${n}`, programme: 'culture', location: { city: 'Seoul', country: 'KR', venue: null }, start: { date: '2030-10-22' }, end: { date: '2030-10-23' } },
    });
    expect(r.status).toBe(201);
    return r.body.id;
  };
  const reschedule = async (id: string) => {
    const r = await http(t.baseUrl, 'POST', `/v1/events/${id}/reschedule`, { token: staff, body: { start: { date: '2030-11-02' }, end: { date: '2030-11-03' }, reason: 'venue' } });
    expect(r.status).toBe(200);
  };
  const cancel = async (id: string) => expect((await http(t.baseUrl, 'POST', `/v1/events/${id}/cancel`, { token: staff, body: { reason: 'weather' } })).status).toBe(200);
  /** The whole log as an auditor reads it. */
  const log = async (): Promise<LogItem[]> => {
    const out: LogItem[] = [];
    let after = '0';
    for (;;) {
      const r = await http<{ items: LogItem[]; nextAfter: string | null }>(t.baseUrl, 'GET', `/v1/audit/log?after=${after}&limit=500`, { token: auditor });
      expect(r.status).toBe(200);
      out.push(...r.body.items);
      if (!r.body.nextAfter || r.body.items.length === 0) return out;
      after = r.body.nextAfter;
    }
  };
  const calendarEventsAfter = async (position: string) => (await log()).filter((e) => e.streamId.startsWith('calendar-event-') && BigInt(e.position) > BigInt(position));
  const ids = (rs: ReceivedWebhook[]) => rs.map((r) => r.headers['webhook-id']);
  const body = (r: ReceivedWebhook) => JSON.parse(r.body) as Body;
  const endpoint = async (id: string) => (await http<EndpointBody>(t.baseUrl, 'GET', `/v1/admin/webhooks/${id}`, { token: admin })).body;

  it('every calendar event arrives once, in log order, signed (standardwebhooks and Svix verify it); subscription events never', async () => {
    const rx = await receiver();
    const ep = await register(rx.url, { description: 'intranet' });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(ep.status).toBe('active');
    // The secret is shown once: never in a listing or a read.
    const listed = await http<{ items: EndpointBody[] }>(t.baseUrl, 'GET', '/v1/admin/webhooks', { token: admin });
    expect(listed.body.items.find((e) => e.id === ep.id)).toMatchObject({ url: rx.url, status: 'active', eventTypes: [] });
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');

    const a = await schedule();
    const b = await schedule();
    await reschedule(a);
    // A subscriber's sign-up appends subscription events (personal data) to the same log.
    expect((await http(t.baseUrl, 'POST', '/v1/subscriptions', { body: { email: 'ada@example.org', name: 'Ada' } })).status).toBe(202);
    await waitFor('the sign-up in the log', async () => (await log()).some((e) => e.type === 'SubscriptionRequested'));
    await cancel(b);
    const last = await schedule();

    const expected = await calendarEventsAfter(ep.cursor.position);
    expect(expected.map((e) => e.type)).toEqual(['EventScheduled', 'EventScheduled', 'EventRescheduled', 'EventCancelled', 'EventScheduled']);
    await waitFor('every calendar event delivered', () => rx.accepted().some((r) => body(r).data.streamId === `calendar-event-${last}`));
    const got = rx.accepted();
    // Once each, in log order, the webhook-id being the log event's id.
    expect(ids(got)).toEqual(expected.map((e) => e.id));
    expect(rx.requests).toHaveLength(expected.length);
    for (const [i, r] of got.entries()) {
      const e = expected[i];
      expect(body(r)).toEqual({
        type: e.type,
        timestamp: e.recordedAt,
        data: {
          position: e.position,
          eventId: e.streamId.slice('calendar-event-'.length),
          streamId: e.streamId,
          version: e.version,
          type: e.type,
          data: e.data,
          metadata: { actor: e.metadata.actor, correlationId: e.metadata.correlationId, recordedAt: e.recordedAt },
        },
      });
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(new Webhook(ep.secret!).verify(r.body, r.headers)).toEqual(JSON.parse(r.body));
      expect(new SvixWebhook(ep.secret!).verify(r.body, r.headers)).toEqual(JSON.parse(r.body));
      // A body altered in transit does not verify.
      expect(() => new Webhook(ep.secret!).verify(r.body.replace('"type":', '"type" :'), r.headers)).toThrow();
    }
    // Never a subscription event, nor anything of a subscription stream.
    expect(rx.requests.every((r) => (CALENDAR_EVENT_TYPES as string[]).includes(body(r).type) && body(r).data.streamId.startsWith('calendar-event-'))).toBe(true);
    expect(rx.requests.map((r) => r.body).join('\n')).not.toMatch(/ada@example\.org|Subscription/);

    // The round is recorded (cursor and attempts, one transaction) just after the last answer.
    await waitFor('the cursor at the last event', async () => (await endpoint(ep.id)).cursor.position === expected[expected.length - 1].position);
    const deliveries = await http<{ items: { eventId: string; ok: boolean; statusCode: number; attempt: number; durationMs: number }[] }>(t.baseUrl, 'GET', `/v1/admin/webhooks/${ep.id}/deliveries`, {
      token: admin,
    });
    expect(deliveries.status).toBe(200);
    // One successful attempt per event, in log order. On a loaded machine a connection can fail
    // before the receiver sees the request; such an attempt is recorded as failed and retried.
    const succeeded = deliveries.body.items.filter((d) => d.ok).reverse();
    expect(succeeded.map((d) => d.eventId)).toEqual(expected.map((e) => e.id));
    expect(succeeded.every((d) => d.statusCode === 200 && d.durationMs >= 0)).toBe(true);
    expect(deliveries.body.items.filter((d) => !d.ok).every((d) => d.statusCode !== 200)).toBe(true);
    expect((await http(t.baseUrl, 'DELETE', `/v1/admin/webhooks/${ep.id}`, { token: admin })).status).toBe(204);
  });

  it('delivery attempts past WEBHOOKS_ATTEMPTS_RETENTION_DAYS (30) are deleted by the sweep; recent ones stay listed', async () => {
    const rx = await receiver();
    const ep = await register(rx.url);
    await schedule();
    await schedule();
    const listed = async () => (await http<{ items: { id: string; eventId: string }[] }>(t.baseUrl, 'GET', `/v1/admin/webhooks/${ep.id}/deliveries`, { token: admin })).body.items;
    const attempts = await waitFor('both schedules delivered and recorded', async () => {
      const items = await listed();
      return items.length === 2 && items;
    });
    // One attempt made 31 days ago, one 29 days ago; a third stays as it is.
    const [older, newer] = attempts;
    await t.db.dataSource.query(`UPDATE webhook_deliveries SET attempted_at = now() - interval '31 days' WHERE id = $1`, [older.id]);
    await t.db.dataSource.query(`UPDATE webhook_deliveries SET attempted_at = now() - interval '29 days' WHERE id = $1`, [newer.id]);
    const c = await schedule();
    await waitFor('the third schedule delivered', () => rx.accepted().some((r) => body(r).data.eventId === c));
    // The attempt is recorded just after the receiver's answer: wait for the record too.
    await waitFor('the 31-day-old attempt deleted by a sweep, the third recorded', async () => {
      const items = await listed();
      return items.every((d) => d.id !== older.id) && items.some((d) => d.id !== newer.id);
    });
    const left = await listed();
    expect(left.map((d) => d.id)).toContain(newer.id);
    expect(left).toHaveLength(2);
    expect((await http(t.baseUrl, 'DELETE', `/v1/admin/webhooks/${ep.id}`, { token: admin })).status).toBe(204);
  });

  it('only the chosen event types, when an endpoint names some', async () => {
    const rx = await receiver();
    const ep = await register(rx.url, { eventTypes: ['EventCancelled'] });
    const a = await schedule();
    await cancel(a);
    const marker = await schedule();
    await cancel(marker);
    await waitFor('two cancellations', () => rx.accepted().length >= 2);
    expect(rx.accepted().map((r) => [body(r).type, body(r).data.eventId])).toEqual([
      ['EventCancelled', a],
      ['EventCancelled', marker],
    ]);
    expect((await http(t.baseUrl, 'DELETE', `/v1/admin/webhooks/${ep.id}`, { token: admin })).status).toBe(204);
  });

  it('a receiver answering 500 for a while then 200 gets everything afterwards, in order, with the same ids', async () => {
    const rx = await receiver();
    // 500 for 1.5 s from the first request on, then 200.
    let failUntil = 0;
    rx.answer(() => {
      failUntil ||= Date.now() + 1500;
      return Date.now() < failUntil ? 500 : 200;
    });
    const ep = await register(rx.url);
    await schedule();
    await schedule();
    await schedule();
    const expected = await calendarEventsAfter(ep.cursor.position);
    expect(expected).toHaveLength(3);
    await waitFor('all three accepted', () => rx.accepted().length >= 3, 15000);
    expect(ids(rx.accepted())).toEqual(expected.map((e) => e.id));
    const refused = rx.requests.filter((r) => r.answered === 500);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    // Retries of the first event carry its id: a receiver can deduplicate.
    expect(new Set(ids(refused))).toEqual(new Set([expected[0].id]));
    // Nothing after the failing event was sent before it succeeded.
    const firstOk = rx.requests.findIndex((r) => r.answered === 200);
    expect(rx.requests.slice(0, firstOk).every((r) => r.headers['webhook-id'] === expected[0].id)).toBe(true);
    await waitFor('the round recorded', async () => (await endpoint(ep.id)).cursor.position === expected[2].position);
    const deliveries = (
      await http<{ items: { eventId: string; ok: boolean; statusCode: number; attempt: number; error: string | null }[] }>(t.baseUrl, 'GET', `/v1/admin/webhooks/${ep.id}/deliveries`, { token: admin })
    ).body.items.reverse();
    expect(deliveries[0]).toMatchObject({ eventId: expected[0].id, ok: false, statusCode: 500, attempt: 1, error: 'HTTP 500' });
    expect(deliveries[1]).toMatchObject({ eventId: expected[0].id, ok: false, attempt: 2 });
    expect(deliveries.find((d) => d.ok)).toMatchObject({ eventId: expected[0].id, statusCode: 200, attempt: refused.length + 1 });
    expect((await endpoint(ep.id)).status).toBe('active');
    await http(t.baseUrl, 'DELETE', `/v1/admin/webhooks/${ep.id}`, { token: admin });
  });

  it('a receiver that never answers is paused after its retry budget (admins emailed) without slowing another; resumed, it gets everything, in order', async () => {
    const silent = await receiver();
    silent.answer('hang');
    const fast = await receiver();
    const stuck = await register(silent.url);
    const healthy = await register(fast.url);
    const started = Date.now();
    await schedule();
    await schedule();
    const expected = await calendarEventsAfter(stuck.cursor.position);
    // The other endpoint is served at once, while the first one times out and backs off.
    await waitFor('the healthy endpoint served', () => fast.accepted().length >= 2, 5000);
    expect(ids(fast.accepted())).toEqual(expected.map((e) => e.id));
    expect(Date.now() - started).toBeLessThan(BUDGET_SECONDS * 1000);

    const paused = await waitFor(
      'the silent endpoint paused',
      async () => {
        const e = await endpoint(stuck.id);
        return e.status === 'paused' && e;
      },
      20000,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(BUDGET_SECONDS * 1000);
    expect(paused.pausedReason).toMatch(/failing since .* no response within 0.5 s/);
    expect(paused.cursor.position).toBe(stuck.cursor.position); // kept: nothing was acknowledged
    expect(new Set(ids(silent.requests))).toEqual(new Set([expected[0].id]));
    const mail = await waitFor('the admins told', () => smtp.messages.find((m) => m.envelopeTo.includes('ops@almanac.test')));
    expect(mail.parsed.subject).toBe(`Webhook endpoint paused: ${silent.url}`);
    expect(mail.parsed.text).toContain(stuck.id);

    // Paused: nothing more is attempted, even when new events arrive.
    const triedWhilePaused = silent.requests.length;
    await schedule();
    await waitFor('the healthy endpoint served again', () => fast.accepted().length >= 3);
    expect(silent.requests).toHaveLength(triedWhilePaused);

    silent.answer(200);
    const resumed = await http<EndpointBody>(t.baseUrl, 'PATCH', `/v1/admin/webhooks/${stuck.id}`, { token: admin, body: { status: 'active' } });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ status: 'active', pausedReason: null, failedAttempts: 0 });
    const all = await calendarEventsAfter(stuck.cursor.position);
    await waitFor('everything after the cursor delivered', () => silent.accepted().length >= all.length);
    expect(ids(silent.accepted())).toEqual(all.map((e) => e.id));
    await http(t.baseUrl, 'DELETE', `/v1/admin/webhooks/${stuck.id}`, { token: admin });
    await http(t.baseUrl, 'DELETE', `/v1/admin/webhooks/${healthy.id}`, { token: admin });
  });

  it('a rotated secret: for the overlap every delivery verifies with the old key and with the new one', async () => {
    const rx = await receiver();
    const ep = await register(rx.url);
    const rotated = await http<EndpointBody & { previousSecretExpiresAt: string }>(t.baseUrl, 'POST', `/v1/admin/webhooks/${ep.id}/rotate-secret`, { token: admin });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(ep.secret);
    const overlap = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(overlap).toBeGreaterThan(23.9 * 3600 * 1000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600 * 1000);
    await schedule();
    const [r] = await waitFor('a delivery', () => rx.accepted().length >= 1 && rx.accepted());
    expect(r.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(r.headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(ep.secret!).verify(r.body, r.headers)).toBeTruthy();
    expect(new Webhook(rotated.body.secret!).verify(r.body, r.headers)).toBeTruthy();
    expect(new SvixWebhook(ep.secret!).verify(r.body, r.headers)).toBeTruthy();
    expect(new SvixWebhook(rotated.body.secret!).verify(r.body, r.headers)).toBeTruthy();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(r.body, r.headers)).toThrow();
    await http(t.baseUrl, 'DELETE', `/v1/admin/webhooks/${ep.id}`, { token: admin });
  });

  it('a replay from a position re-sends exactly the calendar events after it, with their ids', async () => {
    const rx = await receiver();
    const ep = await register(rx.url);
    await schedule();
    await schedule();
    await schedule();
    const first = await calendarEventsAfter(ep.cursor.position);
    await waitFor('three deliveries', () => rx.accepted().length >= 3);
    const from = first[0].position;
    const replay = await http<EndpointBody>(t.baseUrl, 'POST', `/v1/admin/webhooks/${ep.id}/replay`, { token: admin, body: { fromPosition: Number(from) } });
    expect(replay.status).toBe(202);
    expect(replay.body.cursor.position).toBe(from);
    await waitFor('the replayed events', () => rx.accepted().length >= 5);
    expect(ids(rx.accepted().slice(3))).toEqual(first.slice(1).map((e) => e.id));
    // Nothing more than that.
    await schedule();
    await waitFor('the next event', () => rx.accepted().length >= 6);
    expect(rx.accepted()).toHaveLength(6);

    // From 0: the whole log's calendar events, in order.
    const whole = (await calendarEventsAfter('0')).map((e) => e.id);
    expect((await http(t.baseUrl, 'POST', `/v1/admin/webhooks/${ep.id}/replay`, { token: admin, body: { fromPosition: '0' } })).status).toBe(202);
    await waitFor('the whole log', () => rx.accepted().length >= 6 + whole.length);
    expect(ids(rx.accepted().slice(6))).toEqual(whole);
    await http(t.baseUrl, 'DELETE', `/v1/admin/webhooks/${ep.id}`, { token: admin });
  });

  it('bad input is a 4xx problem and changes nothing; unknown ids are 404; admins only', async () => {
    const before = (await http<{ items: EndpointBody[] }>(t.baseUrl, 'GET', '/v1/admin/webhooks', { token: admin })).body.items.length;
    const bad: [string, string, unknown, number, string][] = [
      ['POST', '/v1/admin/webhooks', { url: 'ftp://example.org/x' }, 400, 'WEBHOOK_URL_INVALID'],
      ['POST', '/v1/admin/webhooks', { url: 'not a url' }, 400, 'WEBHOOK_URL_INVALID'],
      ['POST', '/v1/admin/webhooks', { url: 'https://user:pw@example.org/' }, 400, 'WEBHOOK_URL_INVALID'],
      ['POST', '/v1/admin/webhooks', { url: 'https://example.org/', eventTypes: ['SubscriptionRequested'] }, 400, 'WEBHOOK_EVENT_TYPES_INVALID'],
      ['POST', '/v1/admin/webhooks', { url: 'https://example.org/', description: 'a\u0000b' }, 400, 'MALFORMED_REQUEST'],
      ['POST', '/v1/admin/webhooks', { url: 'https://example.org/', extra: 1 }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/admin/webhooks', '{"url":', 400, ''],
      ['GET', '/v1/admin/webhooks/nope', undefined, 404, 'WEBHOOK_NOT_FOUND'],
      ['GET', '/v1/admin/webhooks/6f1c2a4e-2d3b-4c5d-8e9f-0a1b2c3d4e5f', undefined, 404, 'WEBHOOK_NOT_FOUND'],
      ['PATCH', '/v1/admin/webhooks/6f1c2a4e-2d3b-4c5d-8e9f-0a1b2c3d4e5f', { status: 'active' }, 404, 'WEBHOOK_NOT_FOUND'],
      ['DELETE', '/v1/admin/webhooks/6f1c2a4e-2d3b-4c5d-8e9f-0a1b2c3d4e5f', undefined, 404, 'WEBHOOK_NOT_FOUND'],
      ['POST', '/v1/admin/webhooks/6f1c2a4e-2d3b-4c5d-8e9f-0a1b2c3d4e5f/replay', { fromPosition: '1' }, 404, 'WEBHOOK_NOT_FOUND'],
    ];
    for (const [method, path, b, status, code] of bad) {
      const r = await http<{ code: string }>(t.baseUrl, method, path, { token: admin, body: b });
      expect(`${method} ${path} ${JSON.stringify(b)} → ${r.status}`).toBe(`${method} ${path} ${JSON.stringify(b)} → ${status}`);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      if (code) expect(r.body.code).toBe(code);
    }
    const rx = await receiver();
    const ep = await register(rx.url);
    for (const [b, code] of [
      [{ status: 'gone' }, 'VALIDATION_FAILED'],
      [{ url: 'mailto:x@y.z' }, 'WEBHOOK_URL_INVALID'],
    ] as const) {
      const r = await http<{ code: string }>(t.baseUrl, 'PATCH', `/v1/admin/webhooks/${ep.id}`, { token: admin, body: b });
      expect([r.status, r.body.code]).toEqual([400, code]);
    }
    for (const b of [{ fromPosition: -1 }, { fromPosition: 'x' }, {}, { fromPosition: '999999999' }]) {
      const r = await http<{ code: string }>(t.baseUrl, 'POST', `/v1/admin/webhooks/${ep.id}/replay`, { token: admin, body: b });
      expect(r.status).toBe(400);
    }
    expect(await endpoint(ep.id)).toMatchObject({ url: rx.url, status: 'active', cursor: ep.cursor });
    // Staff, auditors and anonymous callers are refused.
    expect((await http(t.baseUrl, 'GET', '/v1/admin/webhooks', { token: staff })).status).toBe(403);
    expect((await http(t.baseUrl, 'POST', '/v1/admin/webhooks', { token: auditor, body: { url: rx.url } })).status).toBe(403);
    expect((await http(t.baseUrl, 'GET', '/v1/admin/webhooks')).status).toBe(401);
    // An Idempotency-Key replays the first answer (same id and secret) and registers nothing more.
    const key = { 'idempotency-key': 'webhook-create-1' };
    const once = await http<EndpointBody>(t.baseUrl, 'POST', '/v1/admin/webhooks', { token: admin, body: { url: rx.url }, headers: key });
    const twice = await http<EndpointBody>(t.baseUrl, 'POST', '/v1/admin/webhooks', { token: admin, body: { url: rx.url }, headers: key });
    expect([once.status, twice.status]).toEqual([201, 201]);
    expect(twice.body).toEqual(once.body);
    const after = (await http<{ items: EndpointBody[] }>(t.baseUrl, 'GET', '/v1/admin/webhooks', { token: admin })).body.items.length;
    expect(after).toBe(before + 2);
  });

  it('metrics per endpoint: deliveries sent and failed, events and seconds not yet delivered; the queue depth', async () => {
    const rx = await receiver();
    let refused = 0;
    rx.answer(() => (refused++ < 1 ? 500 : 200));
    const ep = await register(rx.url);
    const paused = await register((await receiver()).url);
    expect((await http(t.baseUrl, 'PATCH', `/v1/admin/webhooks/${paused.id}`, { token: admin, body: { status: 'paused' } })).status).toBe(200);
    await schedule();
    await schedule();
    await waitFor('both delivered', () => rx.accepted().length >= 2);
    await waitFor('the round recorded', async () => (await endpoint(ep.id)).failedAttempts === 0 && (await endpoint(ep.id)).cursor.position !== ep.cursor.position);
    // The first scrape of this process takes the snapshot (later ones refresh it every METRICS_SNAPSHOT_SECONDS, 15 s).
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(text).toContain(`almanac_webhook_deliveries{endpoint="${ep.id}",outcome="sent"} 2`);
    expect(text).toContain(`almanac_webhook_deliveries{endpoint="${ep.id}",outcome="failed"} 1`);
    expect(text).toContain(`almanac_webhook_lag_events{endpoint="${ep.id}",status="active"} 0`);
    expect(text).toContain(`almanac_webhook_lag_events{endpoint="${paused.id}",status="paused"} 2`);
    expect(text).toMatch(new RegExp(`almanac_webhook_lag_seconds\\{endpoint="${paused.id}"\\} \\d`));
    expect(text).toMatch(/almanac_queue_jobs\{queue="webhooks",state="waiting"\} \d+/);
  });
});
