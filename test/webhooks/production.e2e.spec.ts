import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '../../src/config/config';
import { WebhookSender } from '../../src/modules/webhooks/delivery/webhook-sender';
import { EndpointUrlPolicy } from '../../src/modules/webhooks/url-policy';
import { TEST_JWT_SECRET, TestApp, http, startTestApp } from '../support/app';
import { TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';
import { TestWebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'https://almanac.example',
  DATA_KEY_SECRET: 'production-test-data-key-secret-0123456789',
  AUTH_JWT_SECRET: TEST_JWT_SECRET,
  CHECKPOINT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
};

/** NODE_ENV=production: webhook URLs must be https and reach only public addresses, at registration and at every send. */
describe('webhooks in production mode', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let rx: TestWebhookReceiver;
  let admin: string;
  let staff: string;

  beforeAll(async () => {
    [smtp, rx] = await Promise.all([startTestSmtp(), startWebhookReceiver()]);
    t = await startTestApp('webhooks-prod', { ...PRODUCTION, SMTP_URL: smtp.url, WEBHOOKS_BACKOFF_SECONDS: '60' }, 'all');
    [admin, staff] = await Promise.all([t.token('root', 'admin'), t.token('sam', 'staff')]);
  });
  afterAll(async () => {
    await t?.close();
    await rx?.close();
    await smtp?.close();
  });

  it('refuses http URLs and URLs of loopback, private or link-local addresses, and registers nothing', async () => {
    const port = new URL(rx.url).port;
    for (const url of [
      rx.url,
      `https://127.0.0.1:${port}/hook`,
      `https://localhost:${port}/hook`,
      'https://[::1]/hook',
      'https://10.0.0.7/hook',
      'https://192.168.0.2/',
      'https://169.254.169.254/latest/meta-data',
    ]) {
      const r = await http<{ code: string; errors: { field: string }[] }>(t.baseUrl, 'POST', '/v1/admin/webhooks', { token: admin, body: { url } });
      expect(`${url} → ${r.status} ${r.body.code}`).toBe(`${url} → 400 WEBHOOK_URL_INVALID`);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body.errors.map((e) => e.field)).toEqual(['url']);
    }
    expect((await http<{ items: unknown[] }>(t.baseUrl, 'GET', '/v1/admin/webhooks', { token: admin })).body.items).toEqual([]);
  });

  it('checks again at send time: a name that now resolves to a loopback address is never connected to', async () => {
    const ok = await http<{ id: string }>(t.baseUrl, 'POST', '/v1/admin/webhooks', { token: admin, body: { url: 'https://hooks.example.org/almanac' } });
    expect(ok.status).toBe(201);
    // The name's DNS answer changes to 127.0.0.1 after registration (rebinding): stood in for by
    // pointing the stored endpoint at a name that resolves there.
    await t.db.dataSource.query('UPDATE webhook_endpoints SET url = $2 WHERE id = $1', [ok.body.id, `https://localhost:${new URL(rx.url).port}/hook`]);
    const scheduled = await http(t.baseUrl, 'POST', '/v1/events', {
      token: staff,
      body: { title: 'Forum', programme: 'culture', location: { city: 'Seoul', country: 'KR', venue: null }, start: { date: '2030-10-22' }, end: { date: '2030-10-23' } },
    });
    expect(scheduled.status).toBe(201);
    const failed = await waitFor('a refused attempt', async () => {
      const r = await http<{ items: { ok: boolean; statusCode: number | null; error: string }[] }>(t.baseUrl, 'GET', `/v1/admin/webhooks/${ok.body.id}/deliveries`, { token: admin });
      return r.body.items[0];
    });
    expect(failed).toMatchObject({ ok: false, statusCode: null });
    expect(failed.error).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback, private or link-local address/);
    expect(rx.requests).toHaveLength(0);

    // The sender alone: http and address literals refused before any connection.
    const sender = t.app.get(WebhookSender);
    expect((await sender.send(rx.url, '{}', {})).error).toBe('url must be https');
    expect((await sender.send(`https://127.0.0.1:${new URL(rx.url).port}/hook`, '{}', {})).error).toMatch(/loopback, private or link-local/);
    expect(rx.requests).toHaveLength(0);
  });

  it('WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true lifts the rule (development, tests)', () => {
    const config = (extra: Record<string, string>) => loadConfig({ ...PRODUCTION, SMTP_URL: smtp.url, ...extra });
    expect(() => new EndpointUrlPolicy(config({})).check('http://127.0.0.1:8080/hook')).toThrow(/https/);
    expect(new EndpointUrlPolicy(config({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true' })).check('http://127.0.0.1:8080/hook')).toBe('http://127.0.0.1:8080/hook');
    expect(() => config({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'maybe' })).toThrow(/WEBHOOKS_ALLOW_PRIVATE_NETWORKS/);
  });
});
