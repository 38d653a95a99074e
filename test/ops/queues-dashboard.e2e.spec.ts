import { TestApp, http, startTestApp } from '../support/app';

/** bull-board at /admin/queues: admins only, by bearer header or by the cookie its login sets. */
describe('/admin/queues (BullMQ dashboard)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('queuesboard', {}, 'api');
  });
  afterAll(() => t.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.baseUrl}${path}`, { headers, redirect: 'manual' });

  it('refuses anonymous callers (401) and non-admins (403) with problem+json, on the page and on its API', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const anon = await get(path);
      expect(anon.status).toBe(401);
      expect(anon.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await anon.json()) as { code: string }).code).toBe('UNAUTHORIZED');
      expect((await get(path, { authorization: 'Bearer not-a-jwt' })).status).toBe(401);
      for (const role of ['staff', 'auditor'] as const) {
        const r = await get(path, { authorization: `Bearer ${await t.token('someone', role)}` });
        expect(r.status).toBe(403);
        expect(((await r.json()) as { code: string }).code).toBe('FORBIDDEN');
      }
    }
  });

  it('serves admins: the page and the JSON API listing every queue', async () => {
    const admin = await t.token('root', 'admin');
    const page = await get('/admin/queues', { authorization: `Bearer ${admin}` });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const api = await http<{ queues: { name: string }[] }>(t.baseUrl, 'GET', '/admin/queues/api/queues', { token: admin });
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q) => q.name).sort()).toEqual(['email', 'projections', 'reminders', 'subscriptions', 'webhooks']);
  });

  it('login sets an HttpOnly, SameSite=Strict cookie that then works without the header', async () => {
    const admin = await t.token('root', 'admin');
    expect((await get('/admin/queues/login', { authorization: `Bearer ${await t.token('bob', 'staff')}` })).status).toBe(403);
    const login = await get('/admin/queues/login', { authorization: `Bearer ${admin}` });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/admin/queues');
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/admin\/queues/);
    const cookie = setCookie.split(';')[0];
    expect((await get('/admin/queues', { cookie })).status).toBe(200);
    expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(200);
    // A staff token in the cookie is no better than in the header.
    expect((await get('/admin/queues', { cookie: `almanac_admin=${await t.token('bob', 'staff')}` })).status).toBe(403);
  });
});
