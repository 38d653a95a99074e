import { TestApp, http, startTestApp } from '../support/app';

interface Problem {
  code: string;
  detail: string;
  instance?: string;
}

/**
 * The HTTP details clients and caches see beside the contract's routes, pinned so a change of the
 * HTTP framework (Express until 2026-12-01, Fastify since) cannot move them unnoticed.
 */
describe('the HTTP protocol around the routes', () => {
  let t: TestApp;
  let staff: string;

  beforeAll(async () => {
    t = await startTestApp('http-protocol', { RATE_LIMIT_READS_PER_MINUTE: '0' });
    staff = await t.token('protocol', 'staff');
  });
  afterAll(() => t.close());

  const raw = (method: string, path: string, body: Blob | string, type: string) => fetch(`${t.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${staff}`, 'content-type': type }, body });

  it('a problem is sent as application/problem+json; charset=utf-8, word for word, without X-Powered-By', async () => {
    const r = await http<Problem>(t.baseUrl, 'GET', '/v1/nothing-here');
    expect([r.status, r.headers.get('content-type'), r.headers.get('x-powered-by')]).toEqual([404, 'application/problem+json; charset=utf-8', null]);
    expect(r.body.instance).toBe('/v1/nothing-here');
  });

  it('a JSON body whose bytes are not UTF-8 is 400 MALFORMED_REQUEST, not read with replacement characters', async () => {
    const r = await raw('POST', '/v1/events', new Blob([Buffer.from([0x7b, 0x22, 0x74, 0xff, 0x22, 0x3a, 0x31, 0x7d])]), 'application/json');
    expect(r.status).toBe(400);
    expect(((await r.json()) as Problem).detail).toBe('the body is not valid UTF-8');
  });

  it('JSON is strict (an object or an array): a bare value is MALFORMED_JSON; an empty body is {} and fails validation', async () => {
    const bare = await raw('POST', '/v1/events', '"title"', 'application/json');
    expect([bare.status, ((await bare.json()) as Problem).code]).toEqual([400, 'MALFORMED_JSON']);
    const empty = await raw('POST', '/v1/events', '', 'application/json');
    expect([empty.status, ((await empty.json()) as Problem).code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('a path parameter that cannot be decoded is a 400 MALFORMED_REQUEST problem with the security headers', async () => {
    const r = await http<Problem>(t.baseUrl, 'GET', '/v1/events/%FF');
    expect([r.status, r.headers.get('content-type'), r.body.code, r.body.detail]).toEqual([
      400,
      'application/problem+json; charset=utf-8',
      'MALFORMED_REQUEST',
      'the path is not valid percent-encoded UTF-8',
    ]);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('paths match in any case and with a trailing slash', async () => {
    expect((await http(t.baseUrl, 'GET', '/V1/Events/')).status).toBe(200);
  });

  it('a body without an ETag of its own gets a weak one, and a GET whose If-None-Match holds is a 304 without a body', async () => {
    const first = await http(t.baseUrl, 'GET', '/v1/audit/verifier-key');
    const etag = first.headers.get('etag');
    expect([first.status, etag]).toEqual([200, expect.stringMatching(/^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/)]);
    // With a Cache-Control of its own: fetch adds `no-cache` to a conditional request, which asks for a full answer.
    const again = await http(t.baseUrl, 'GET', '/v1/audit/verifier-key', { headers: { 'if-none-match': `"other", ${etag!}`, 'cache-control': 'max-age=0' } });
    expect([again.status, again.text, again.headers.get('content-type')]).toEqual([304, '', null]);
  });
});
