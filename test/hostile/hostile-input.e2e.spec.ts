import { request } from 'node:http';
import { TestApp, startTestApp } from '../support/app';

interface Operation {
  'x-roles'?: string[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}
interface Route {
  method: string;
  /** OpenAPI template, e.g. /v1/events/{id}. */
  template: string;
  consumes: string[];
}
interface Answer {
  status: number;
  type: string;
}

/** Raw HTTP: the bytes of path, query, headers and body exactly as given (fetch would normalise some). */
function send(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve({ status: 413, type: 'connection closed while sending' }) : reject(err)));
    if (body) req.write(body);
    req.end();
  });
}

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
/** A path parameter that names nothing (so no hostile request can reach a real resource): ids, projection names, keys. */
const fill = (template: string, value: (name: string) => string): string => template.replace(/\{(\w+)\}/g, (_m, name: string) => value(name));
const harmless = (name: string): string => (name === 'name' ? 'no-such-projection' : name === 'key' ? 'no-such-key' : UNKNOWN_ID);

const json = (text: string) => ({ type: 'application/json', body: Buffer.from(text, 'utf8') });
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** Hostile bodies: each must be a 4xx problem on every route that takes a body. */
const BODIES: Record<string, { type: string; body: Buffer }> = {
  'NUL in a string': json('{"title":"a\\u0000b","reason":"\\u0000","email":"a\\u0000@example.org","url":"http://x/\\u0000"}'),
  'a lone surrogate': json('{"title":"\\ud800","reason":"\\udfff","email":"\\ud800@example.org"}'),
  'a lone surrogate as a key': json('{"\\ud800":1}'),
  'JSON nested 5,000 deep (arrays)': json(deep(5000)),
  'JSON nested 5,000 deep (objects)': json('{"a":'.repeat(5000) + '1' + '}'.repeat(5000)),
  'invalid UTF-8': { type: 'application/json', body: Buffer.from([0x7b, 0x22, 0x74, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  'invalid UTF-8 as text/plain': { type: 'text/plain', body: Buffer.from([0x31, 0x20, 0xc3, 0x28, 0xa0, 0xa1]) },
  'NUL in text/plain': { type: 'text/plain', body: Buffer.from('28 October 2013 Ulaanbaatar, Mongolia Celebration\u0000\n') },
  'malformed JSON': json('{"title": '),
  'an array where an object goes': json('[]'),
  'a string where an object goes': json('"title"'),
  'huge and negative numbers': json('{"title":1e309,"limit":-1,"position":-5,"fromPosition":99999999999999999999999,"start":{"date":-1},"leadTimes":[1e400]}'),
  'arrays where strings go': json('{"title":["a"],"reason":["x"],"email":["a@b.c"],"location":{"city":["Seoul"],"country":["KR"]},"position":["1"]}'),
  'a 2 MB body': json(`{"title":"${'x'.repeat(2 * 1024 * 1024)}"}`),
  'a wrong content type': { type: 'application/xml', body: Buffer.from('<event><title>x</title></event>') },
};

/** Hostile query strings: each must be a 4xx problem on every route. */
const QUERIES: Record<string, string> = {
  'NUL in a filter': 'city=%00&q=%00',
  'a lone surrogate (as CESU bytes)': 'q=%ED%A0%80',
  'invalid UTF-8': 'city=%FF%FE',
  'broken percent-encoding': 'q=%E2%82',
  'a control character': 'cursor=a%1Bb&syncToken=%07',
};

/** Hostile headers and values a route may not read: never a 5xx, and an error is a problem. */
const HEADERS: Record<string, Record<string, string>> = {
  'an oversized Idempotency-Key': { 'idempotency-key': 'k'.repeat(8000) },
  'a malformed If-Match': { 'if-match': 'W/"1", "x' },
  'a huge If-Match': { 'if-match': `"${'9'.repeat(40)}"` },
  'a negative X-Min-Log-Position': { 'x-min-log-position': '-1' },
  'a huge X-Min-Log-Position': { 'x-min-log-position': '9'.repeat(40) },
  'a garbage bearer token': { authorization: 'Bearer not.a.jwt' },
  'an oversized bearer token': { authorization: `Bearer ${'a'.repeat(7000)}` },
};
const SOFT_QUERIES: Record<string, string> = {
  'repeated parameters': 'city=a&city=b&limit=1&limit=2&from=2013-01-01&from=2014-01-01',
  'huge and negative numbers': 'limit=-1&after=-5&position=99999999999999999999999&treeSize=1e309&fromPosition=-1',
  'array syntax': 'city[]=a&from[gte]=2013-01-01',
  'garbage cursors and tokens': `cursor=${'A'.repeat(1900)}&syncToken=eyJnIjoieCJ9&token=x.y.z&after=abc`,
  'year 0000 and 10000': 'from=0000-01-01&to=10000-01-01&asOf=0000-01-01T00:00:00Z',
};

describe('hostile input, on every route of the OpenAPI document', () => {
  let t: TestApp;
  let routes: Route[];
  let all: string;

  const isProblem = (a: Answer) => a.type.startsWith('application/problem+json');
  /** Links people open from an email answer their errors as a page, by design; every other route as a problem. */
  const isPage = (r: Route) => r.method === 'GET' && /^\/v1\/subscriptions\/(confirm|unsubscribe)$/.test(r.template);
  const isError = (r: Route, a: Answer) => isProblem(a) || (isPage(r) && a.type.startsWith('text/html'));
  const count = async (): Promise<number> => Number((await t.db.dataSource.query('SELECT count(*)::int AS n FROM events'))[0].n);
  let before: number;

  beforeAll(async () => {
    t = await startTestApp('hostile', { RATE_LIMIT_READS_PER_MINUTE: '0', RATE_LIMIT_SUBSCRIPTIONS_PER_MINUTE: '0', RATE_LIMIT_LINKS_PER_MINUTE: '0' });
    // Every role, so hostile input is judged by validation, not stopped at the door.
    all = await t.token('hostile', 'staff', 'auditor', 'admin');
    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as OpenApi;
    routes = Object.entries(doc.paths).flatMap(([template, ops]) =>
      Object.entries(ops)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({ method: method.toUpperCase(), template, consumes: Object.keys(op.requestBody?.content ?? {}) })),
    );
    before = await count();
  });
  afterAll(() => t.close());

  it('reads the routes from /docs-json', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes).toEqual(expect.arrayContaining([expect.objectContaining({ method: 'POST', template: '/v1/events' }), expect.objectContaining({ method: 'GET', template: '/v1/events' })]));
  });

  it.each(Object.entries(QUERIES))('query with %s: a 4xx problem on every route', async (_what, query) => {
    const wrong: string[] = [];
    for (const r of routes) {
      const a = await send(t.baseUrl, r.method, `${fill(r.template, harmless)}?${query}`, { authorization: `Bearer ${all}` });
      if (a.status < 400 || a.status >= 500 || !isError(r, a)) wrong.push(`${r.method} ${r.template}: ${a.status} ${a.type}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each([
    ['NUL', '%00'],
    ['invalid UTF-8', '%FF'],
    ['a lone surrogate', '%ED%A0%80'],
    ['a long value', 'x'.repeat(5000)],
  ])('path parameter with %s: a 4xx problem on every route that has one', async (_what, value) => {
    const wrong: string[] = [];
    for (const r of routes.filter((x) => x.template.includes('{'))) {
      const a = await send(
        t.baseUrl,
        r.method,
        fill(r.template, () => value),
        { authorization: `Bearer ${all}` },
      );
      if (a.status < 400 || a.status >= 500 || !isError(r, a)) wrong.push(`${r.method} ${r.template}: ${a.status} ${a.type}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each(Object.keys(BODIES))('body with %s: a 4xx problem on every route that takes a body', async (what) => {
    const { type, body } = BODIES[what];
    const wrong: string[] = [];
    for (const r of routes.filter((x) => ['POST', 'PUT', 'PATCH'].includes(x.method))) {
      const a = await send(t.baseUrl, r.method, fill(r.template, harmless), { authorization: `Bearer ${all}`, 'content-type': type }, body);
      if (a.status < 400 || a.status >= 500 || !isError(r, a)) wrong.push(`${r.method} ${r.template}: ${a.status} ${a.type}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each([...Object.entries(HEADERS).map(([k, h]) => [k, h, ''] as const), ...Object.entries(SOFT_QUERIES).map(([k, q]) => [k, {}, q] as const)])(
    '%s: never a 5xx on any route, and every error a problem',
    async (_what, headers, query) => {
      const wrong: string[] = [];
      for (const r of routes) {
        const a = await send(t.baseUrl, r.method, `${fill(r.template, harmless)}${query ? `?${query}` : ''}`, { authorization: `Bearer ${all}`, ...headers });
        if (a.status >= 500 || (a.status >= 400 && !isError(r, a))) wrong.push(`${r.method} ${r.template}: ${a.status} ${a.type}`);
      }
      expect(wrong).toEqual([]);
    },
  );

  it.each([
    ['city=%00', 400],
    ['q=%00', 400],
    ['from=0000-01-01', 400],
    ['to=9999-12-31', 400],
    ['limit=-1', 400],
    ['limit=99999999999999999999', 400],
    ['city=a&city=b', 400],
    [`city=${'c'.repeat(121)}`, 400],
    ['cursor=not-a-cursor', 400],
    ['syncToken=not-a-token', 410],
  ])('GET /v1/events?%s is a %d problem: listing filters that reach SQL are validated first', async (query, status) => {
    const a = await send(t.baseUrl, 'GET', `/v1/events?${query}`, {});
    expect([a.status, isProblem(a)]).toEqual([status, true]);
  });

  it('a year-0000 event is a 400 naming the field, and nothing is appended', async () => {
    const r = await fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${all}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Typo', location: { city: 'Seoul', country: 'KR' }, timeZone: 'UTC', start: { date: '0000-01-01' }, end: { date: '0000-01-01' } }),
    });
    const problem = (await r.json()) as { code: string; errors: { field: string; message: string }[] };
    expect([r.status, r.headers.get('content-type')]).toEqual([400, expect.stringContaining('application/problem+json')]);
    expect(problem).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'start.date', message: 'must lie between 1000-01-01 and 9998-12-31' }] });
  });

  it('an import row with a 3,000-character city is reported as a failed row; the other rows import', async () => {
    const listing = ['When Where', `28 October 2031 ${'C'.repeat(3000)}, Republic of Korea Forum on long names`, '29 October 2031 Seoul, Republic of Korea Forum on short names'].join('\n');
    const r = await fetch(`${t.baseUrl}/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${all}`, 'content-type': 'text/plain' }, body: listing });
    const report = (await r.json()) as { summary: Record<string, number>; failed: { line: number; reason: string }[] };
    expect(r.status).toBe(200);
    expect(report.summary).toEqual({ created: 1, skipped: 0, failed: 1 });
    expect(report.failed).toEqual([{ line: 2, text: expect.any(String), reason: 'location.city must be at most 120 characters' }]);
    before += 1; // the good row
  });

  it('appends nothing', async () => {
    expect(await count()).toBe(before);
  });
});
