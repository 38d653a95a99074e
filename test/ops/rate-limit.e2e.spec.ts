import { testPrefix } from '../support/run';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';

interface Problem {
  status: number;
  code: string;
}

/** Public routes are limited per client address; the budget lives in Redis, shared by all instances. */
describe('rate limits', () => {
  const prefix = testPrefix('ratelimit');
  const env = { QUEUE_PREFIX: prefix, RATE_LIMIT_READS_PER_MINUTE: '5', RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '2', RATE_LIMIT_LINKS_PER_MINUTE: '3' };
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp('ratelimit_a', env, 'api'), startTestApp('ratelimit_b', env, 'api')]);
    // Counted from ready on, as a load balancer sends traffic: until its Redis connection is up,
    // an instance counts in memory (the limiter's insurance), and the shared counts would differ.
    for (const app of [a, b]) await waitFor('ready', async () => (await http(app.baseUrl, 'GET', '/health/ready')).status === 200, 20000, 50);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  // Behind a load balancer the client is the first X-Forwarded-For hop (the app trusts loopback).
  const from = (client: string) => ({ 'x-forwarded-for': client });

  it('the 6th read in a minute from one client is 429 problem+json with Retry-After; another client is unaffected', async () => {
    for (let i = 1; i <= 5; i++) {
      const r = await http(a.baseUrl, 'GET', '/v1/events', { headers: from('198.51.100.1') });
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-remaining')).toBe(String(5 - i));
    }
    const limited = await http<Problem>(a.baseUrl, 'GET', '/v1/events', { headers: from('198.51.100.1') });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    const retry = Number(limited.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect((await http(a.baseUrl, 'GET', '/v1/events', { headers: from('198.51.100.2') })).status).toBe(200);
  });

  it('two instances on one Redis share the budget: 3 reads on one and 3 on the other, the 6th is 429', async () => {
    const client = from('198.51.100.3');
    for (let i = 0; i < 3; i++) expect((await http(a.baseUrl, 'GET', '/v1/events', { headers: client })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await http(b.baseUrl, 'GET', '/v1/events', { headers: client })).status).toBe(200);
    expect((await http(b.baseUrl, 'GET', '/v1/events', { headers: client })).status).toBe(429);
    expect((await http(a.baseUrl, 'GET', '/v1/events', { headers: client })).status).toBe(429);
  });

  it('sign-ups draw from the tight subscriptions budget, the signed links from their own', async () => {
    const client = from('198.51.100.4');
    const body = { email: 'someone@example.org' };
    for (let i = 0; i < 2; i++) expect((await http(i ? b.baseUrl : a.baseUrl, 'POST', '/v1/subscriptions', { body, headers: client })).status).toBe(202);
    const limited = await http<Problem>(a.baseUrl, 'POST', '/v1/subscriptions', { body, headers: client });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toBeTruthy();
    // Links (confirm, one-click unsubscribe) are a separate bucket: still served, until it runs out too.
    const oneClick = () =>
      http(a.baseUrl, 'POST', '/v1/subscriptions/unsubscribe?token=x.y.z', { body: 'List-Unsubscribe=One-Click', headers: { ...client, 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await http(b.baseUrl, 'GET', '/v1/subscriptions/confirm?token=x.y.z', { headers: client })).status).not.toBe(429);
    expect((await oneClick()).status).not.toBe(429);
    expect((await oneClick()).status).not.toBe(429);
    expect((await oneClick()).status).toBe(429);
    // Reads are a third bucket: still allowed for this client.
    expect((await http(a.baseUrl, 'GET', '/v1/events', { headers: client })).status).toBe(200);
  });

  it('staff routes and operations endpoints are not limited', async () => {
    const staff = await a.token('alice', 'staff');
    const client = from('198.51.100.1'); // already limited for reads
    expect((await http(a.baseUrl, 'GET', '/v1/events', { headers: client })).status).toBe(429);
    expect((await http(a.baseUrl, 'GET', '/health/ready', { headers: client })).status).toBe(200);
    expect((await http(a.baseUrl, 'GET', '/metrics', { headers: client })).status).toBe(200);
    expect((await http(a.baseUrl, 'GET', '/v1/events/00000000-0000-4000-8000-000000000000/history', { token: staff, headers: client })).status).toBe(404);
  });
});
