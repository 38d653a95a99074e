import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config';
import { MAX_RESPONSE_BYTES, WebhookSender } from '../../src/modules/webhooks/delivery/webhook-sender';

/** The sender against real local HTTP servers: no redirects, a bounded wait, a bounded read. */
describe('webhook sender', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  const sender = new WebhookSender(loadConfig({ NODE_ENV: 'test', WEBHOOKS_TIMEOUT_SECONDS: '0.5' }));

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/redirect') return res.writeHead(307, { location: '/elsewhere' }).end();
      if (req.url === '/slow') return; // never answers
      if (req.url === '/huge') {
        // An endless 200 body: the sender stops reading after 64 KB.
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(16 * 1024, 'x');
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        return pump();
      }
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    sender.onApplicationShutdown();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('a 2xx is a success', async () => {
    expect(await sender.send(`${base}/ok`, '{}', { 'webhook-id': 'x' })).toMatchObject({ ok: true, statusCode: 204, error: null });
  });

  it('a redirect is a failure and is not followed', async () => {
    hits.length = 0;
    expect(await sender.send(`${base}/redirect`, '{}', {})).toMatchObject({ ok: false, statusCode: 307, error: 'HTTP 307' });
    expect(hits).toEqual(['/redirect']);
  });

  it('no answer within the timeout is a failure', async () => {
    const r = await sender.send(`${base}/slow`, '{}', {});
    expect(r).toMatchObject({ ok: false, statusCode: null, error: 'no response within 0.5 s' });
    expect(r.durationMs).toBeGreaterThanOrEqual(450);
    expect(r.durationMs).toBeLessThan(2000);
  });

  it('an endless response body is read up to 64 KB, then dropped', async () => {
    const r = await sender.send(`${base}/huge`, '{}', {});
    expect(r).toMatchObject({ ok: true, statusCode: 200 });
    expect(r.durationMs).toBeLessThan(2000);
    expect(MAX_RESPONSE_BYTES).toBe(65536);
  });
});
