import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { QUEUES } from '../../src/jobs/catalog';
import { Client } from 'pg';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { event } from './support';

const DASHBOARD = resolve(__dirname, '../../ops/grafana/almanac-dashboard.json');

/** The value of one sample line `name{labels} value`, labels matched as a subset. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('/metrics (Prometheus)', () => {
  let t: TestApp;
  let staff: string;
  let text: string;

  beforeAll(async () => {
    // Shared figures refreshed every second, so the test below sees its traffic without waiting 15 s.
    t = await startTestApp('metrics', { METRICS_SNAPSHOT_SECONDS: '1' }, 'all');
    staff = await t.token('alice', 'staff');

    // Some traffic of every kind: a write, reads, a 404, a 409 and concurrent reschedules.
    const created = await http<{ id: string }>(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event('metrics') });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await http(t.baseUrl, 'GET', '/v1/events')).status).toBe(200);
    expect((await http(t.baseUrl, 'GET', `/v1/events/${id}`, { headers: { 'x-min-log-position': created.headers.get('x-log-position')! } })).status).toBe(200);
    expect((await http(t.baseUrl, 'GET', '/v1/events/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await http(t.baseUrl, 'GET', '/no/such/route')).status).toBe(404);
    // Reschedules without If-Match race for the same version: the losers' appends are refused
    // (counted), then retried by the handler. Rounds until at least one conflict happened.
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          http(t.baseUrl, 'POST', `/v1/events/${id}/reschedule`, {
            token: staff,
            body: { start: { date: `2031-04-${String(i + 1 + round).padStart(2, '0')}` }, end: { date: `2031-04-${String(i + 1 + round).padStart(2, '0')}` } },
          }),
        ),
      );
      const m = await http(t.baseUrl, 'GET', '/metrics');
      if ((sample(m.text, 'almanac_append_conflicts_total') ?? 0) > 0) break;
    }
    expect((await http(t.baseUrl, 'POST', `/v1/events/${id}/cancel`, { token: staff, body: { reason: 'done' } })).status).toBe(200);
    expect((await http(t.baseUrl, 'POST', `/v1/events/${id}/cancel`, { token: staff, body: { reason: 'again' } })).status).toBe(409);

    const r = await http(t.baseUrl, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = r.text;
  });
  afterAll(() => t.close());

  it('counts requests by method, matched route (not raw URL) and status', () => {
    expect(sample(text, 'almanac_http_requests_total', { method: 'POST', route: '/v1/events', status: '201' })).toBe(1);
    expect(sample(text, 'almanac_http_requests_total', { method: 'GET', route: '/v1/events', status: '200' })).toBe(1);
    expect(sample(text, 'almanac_http_requests_total', { method: 'GET', route: '/v1/events/:id', status: '200' })).toBe(1);
    expect(sample(text, 'almanac_http_requests_total', { method: 'GET', route: '/v1/events/:id', status: '404' })).toBe(1);
    expect(sample(text, 'almanac_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(sample(text, 'almanac_http_requests_total', { method: 'POST', route: '/v1/events/:id/cancel', status: '409' })).toBe(1);
    // No per-id label values: cardinality stays bounded.
    expect(text).not.toMatch(/route="\/v1\/events\/[0-9a-f]{8}-/);
  });

  it('has the latency histogram', () => {
    expect(sample(text, 'almanac_http_request_duration_seconds_bucket', { method: 'POST', route: '/v1/events', le: '+Inf' })).toBe(1);
    expect(sample(text, 'almanac_http_request_duration_seconds_count', { route: '/v1/events/:id/reschedule' })).toBeGreaterThan(0);
  });

  it('counts appends refused for a wrong expected version', () => {
    expect(sample(text, 'almanac_append_conflicts_total')).toBeGreaterThan(0);
  });

  it('reports depths and outcomes of every queue', () => {
    for (const queue of Object.values(QUEUES)) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(sample(text, 'almanac_queue_jobs', { queue, state })).toBeGreaterThanOrEqual(0);
      for (const outcome of ['completed', 'failed']) expect(sample(text, 'almanac_queue_job_outcomes', { queue, outcome })).toBeGreaterThanOrEqual(0);
    }
  });

  it('reports projection lag in events and seconds, emails by status, and process metrics', () => {
    expect(sample(text, 'almanac_projection_lag_events', { projection: 'calendar' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'almanac_projection_lag_seconds', { projection: 'calendar' })).toBeGreaterThanOrEqual(0);
    for (const status of ['sent', 'failed']) expect(sample(text, 'almanac_emails', { status })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'almanac_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it("queue outcomes and projection lag move with this test's traffic (lag of exactly the writes held back, jobs completed)", async () => {
    // The shared figures are a snapshot refreshed at most every second here: poll once a second, within the rate limit.
    const value = async (name: string, labels: Record<string, string> = {}) => sample((await http(t.baseUrl, 'GET', '/metrics')).text, name, labels);
    const admin = await t.token('root', 'admin');
    const calendarLag = async () =>
      (await http<{ items: { name: string; lag: { events: number } }[] }>(t.baseUrl, 'GET', '/v1/admin/projections', { token: admin })).body.items.find((p) => p.name === 'calendar')!.lag.events;
    await waitFor('the calendar projection caught up', async () => (await calendarLag()) === 0);
    const completed = (await value('almanac_queue_job_outcomes', { queue: QUEUES.projections, outcome: 'completed' }))!;

    // Three writes the calendar projection cannot apply while its owner lock is held here.
    const blocker = new Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      await blocker.query(`SELECT pg_advisory_lock(hashtext('almanac:projection:calendar'))`);
      for (let i = 0; i < 3; i++) expect((await http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: event(`lagging ${i}`, i) })).status).toBe(201);
      await waitFor('a lag of exactly the three writes', async () => (await value('almanac_projection_lag_events', { projection: 'calendar' })) === 3, 30000, 1000);
      expect(await value('almanac_projection_lag_seconds', { projection: 'calendar' })).toBeGreaterThan(0);
    } finally {
      await blocker.end();
    }
    await waitFor(
      'the lag back to 0 and the projection jobs counted',
      async () =>
        (await value('almanac_projection_lag_events', { projection: 'calendar' })) === 0 &&
        (await value('almanac_queue_job_outcomes', { queue: QUEUES.projections, outcome: 'completed' }))! > completed,
      30000,
      1000,
    );
  }, 70000);

  it('the Grafana dashboard is valid JSON and uses only series that /metrics exposes', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { templating: { list: { type: string; query?: unknown }[] }; panels: { type: string; targets?: { expr: string }[] }[] };
    expect(dashboard.templating.list.some((v) => v.type === 'datasource' && v.query === 'prometheus')).toBe(true);
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => x.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const used = new Set(exprs.flatMap((e) => e.match(/\balmanac_[a-z0-9_]+/g) ?? []));
    const exposed = new Set(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(/[{ ]/)[0]),
    );
    expect([...used].filter((m) => !exposed.has(m))).toEqual([]);
    // The panels the runbook refers to.
    for (const m of [
      'almanac_http_requests_total',
      'almanac_http_request_duration_seconds_bucket',
      'almanac_queue_jobs',
      'almanac_queue_job_outcomes',
      'almanac_projection_lag_events',
      'almanac_projection_lag_seconds',
      'almanac_emails',
      'almanac_append_conflicts_total',
    ]) {
      expect(used).toContain(m);
    }
    expect(exprs.some((e) => e.includes('histogram_quantile(0.99'))).toBe(true);
    expect(exprs.some((e) => e.includes('histogram_quantile(0.5'))).toBe(true);
  });
});

/** /metrics costs O(1) per scrape, is rate-limited, and asks for METRICS_TOKEN when set. */
describe('/metrics: cost, limit and token', () => {
  const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
  let t: TestApp;
  const scrape = (token: string | undefined = METRICS_TOKEN) => http(t.baseUrl, 'GET', '/metrics', token ? { token } : {});

  beforeAll(async () => {
    t = await startTestApp('metricscost', { METRICS_TOKEN, RATE_LIMIT_METRICS_PER_MINUTE: '40', RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '0' }, 'all');
  });
  afterAll(() => t?.close());

  it('asks for METRICS_TOKEN as a bearer token: none, a wrong one or a staff JWT get 401', async () => {
    expect((await scrape('')).status).toBe(401);
    expect((await scrape('not-the-metrics-token')).status).toBe(401);
    const jwt = await scrape(await t.token('alice', 'staff', 'admin'));
    expect(jwt.status).toBe(401);
    expect(jwt.headers.get('www-authenticate')).toBe('Bearer');
    expect(jwt.headers.get('content-type')).toContain('application/problem+json');
    expect((await scrape()).status).toBe(200);
  });

  it('emails are counted as deliveries finish, not by counting the table; the shared figures are a snapshot at most 15 s old', async () => {
    const first = await scrape();
    const sentBefore = sample(first.text, 'almanac_emails', { status: 'sent' })!;
    expect(sentBefore).toBe(0);

    // A row written behind the service's back is not counted: a scrape does not read the table.
    await t.db.dataSource.query(`INSERT INTO deliveries (delivery_key, kind, subscription_id, status) VALUES ('by-hand', 'confirm', '00000000-0000-4000-8000-000000000000', 'sent')`);
    // A real delivery is (the development mailbox sends it).
    expect((await http(t.baseUrl, 'POST', '/v1/subscriptions', { body: { email: 'metrics@example.org' } })).status).toBe(202);
    await waitFor('confirmation sent', async () => ((await t.db.dataSource.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`)) as { n: number }[])[0].n === 2);

    // Within 15 s of the last refresh, scrapes serve the same snapshot: nothing is recounted.
    const soon = await scrape();
    expect(sample(soon.text, 'almanac_emails', { status: 'sent' })).toBe(sentBefore);

    // Later a scrape refreshes it in the background; the next one shows the new figure: the one
    // delivery the service finished, not the two rows of the table.
    const fresh = await waitFor(
      'a refreshed snapshot',
      async () => {
        const r = await scrape();
        return sample(r.text, 'almanac_emails', { status: 'sent' }) === 1 && r;
      },
      25000,
      1000,
    );
    expect(sample(fresh.text, 'almanac_emails', { status: 'sent' })).toBe(1);
  });

  it('is rate-limited: past RATE_LIMIT_METRICS_PER_MINUTE a scraper gets 429 with Retry-After', async () => {
    let refused: Awaited<ReturnType<typeof scrape>> | undefined;
    for (let i = 0; i < 45 && !refused; i++) {
      const r = await scrape();
      if (r.status === 429) refused = r;
      else expect(r.status).toBe(200);
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
