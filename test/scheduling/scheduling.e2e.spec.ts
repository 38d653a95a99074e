import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TestApp, http, startTestApp } from '../support/app';

const LISTING = readFileSync(resolve(__dirname, '../../data/unesco-beijing-listing.txt'), 'utf8');

interface EventBody {
  id: string;
  status: string;
  title: string;
  timeZone: string;
  startsAt: string;
  endsAt: string;
  version: number;
  location: { city: string; country: string; venue: string | null };
}
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}
interface History {
  items: { version: number; type: string; position: string; metadata: Record<string, unknown>; hash: string; prevHash: string }[];
}

const icegov = () => ({
  title: '7th International Conference on Theory and Practice of Electronic Governance (ICEGOV2013)',
  description: 'ICEGOV2013',
  programme: 'communication-information',
  location: { city: 'Seoul', country: 'KR', venue: null },
  start: { date: '2013-10-22' },
  end: { date: '2013-10-25' },
});

describe('scheduling over HTTP', () => {
  let t: TestApp;
  let staff: string;
  let auditor: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp('scheduling', {}, 'all');
    staff = await t.token('alice', 'staff');
    auditor = await t.token('audrey', 'auditor');
    admin = await t.token('root', 'admin');
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}, token = staff) => http<EventBody & Problem>(t.baseUrl, 'POST', path, { token, body, headers });
  const schedule = async (body: unknown = icegov()) => {
    const r = await post('/v1/events', body);
    expect(r.status).toBe(201);
    return r;
  };
  const history = async (id: string) => (await http<History>(t.baseUrl, 'GET', `/v1/events/${id}/history`, { token: auditor })).body.items;

  describe('schedule', () => {
    it('creates the event: 201, Location, ETag "1", X-Log-Position and the derived UTC instants', async () => {
      const r = await schedule();
      expect(r.headers.get('location')).toBe(`/v1/events/${r.body.id}`);
      expect(r.headers.get('etag')).toBe('"1"');
      expect(Number(r.headers.get('x-log-position'))).toBeGreaterThan(0);
      expect(r.body).toMatchObject({ status: 'scheduled', timeZone: 'Asia/Seoul', startsAt: '2013-10-21T15:00:00Z', endsAt: '2013-10-25T15:00:00Z', version: 1 });
      const got = await http<EventBody>(t.baseUrl, 'GET', `/v1/events/${r.body.id}`, { headers: { 'x-min-log-position': r.headers.get('x-log-position')! } });
      expect(got.status).toBe(200);
      expect(got.body.title).toBe(icegov().title);
    });

    it('derives the zone from city and country: Beijing is Asia/Shanghai although China has two zones', async () => {
      const r = await schedule({ ...icegov(), location: { city: 'Beijing', country: 'CN' }, start: { dateTime: '2013-10-21T09:00' }, end: { dateTime: '2013-10-21T17:30' } });
      expect(r.body.timeZone).toBe('Asia/Shanghai');
      expect(r.body.startsAt).toBe('2013-10-21T01:00:00Z');
    });

    it('asks for timeZone when the place is ambiguous', async () => {
      const r = await post('/v1/events', { ...icegov(), location: { city: 'Springfield', country: 'US' } });
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toBe('TIME_ZONE_REQUIRED');
      expect(r.body.errors?.[0].field).toBe('timeZone');
    });

    it('accepts a client-chosen id once; the same id again is 409 EVENT_ALREADY_EXISTS', async () => {
      const id = randomUUID();
      await schedule({ ...icegov(), id });
      const again = await post('/v1/events', { ...icegov(), id });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('EVENT_ALREADY_EXISTS');
    });

    it('lists every invalid field in errors[] and appends nothing', async () => {
      const before = await t.db.dataSource.query('SELECT count(*)::int AS n FROM events');
      const r = await post('/v1/events', { title: '', location: { city: 'Seoul', country: 'XX' }, start: { date: '2013-13-01' }, end: { dateTime: 'tomorrow' }, extra: 1 });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad request' });
      const fields = (r.body.errors ?? []).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['title', 'location.country', 'end', 'extra']));
      const after = await t.db.dataSource.query('SELECT count(*)::int AS n FROM events');
      expect(after).toEqual(before);
    });

    it('names only what is wrong: a missing title is "required", a number is "a string", one error per field', async () => {
      const base = { location: { city: 'Seoul', country: 'KR' }, start: { date: '2031-01-01' }, end: { date: '2031-01-01' } };
      const missing = await post('/v1/events', base);
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual([{ field: 'title', message: 'title is required' }]);
      expect(missing.body.detail).toBe('title: title is required');
      const number = await post('/v1/events', { ...base, title: 5 });
      expect(number.body.errors).toEqual([{ field: 'title', message: 'title must be a string' }]);
      const long = await post('/v1/events', { ...base, title: 'x'.repeat(301) });
      expect(long.body.errors).toEqual([{ field: 'title', message: 'title must be shorter than or equal to 300 characters' }]);
    });

    it('refuses an end before the start, and mixed all-day and timed ends', async () => {
      const backwards = await post('/v1/events', { ...icegov(), start: { date: '2013-10-25' }, end: { date: '2013-10-22' } });
      expect(backwards.status).toBe(400);
      expect(backwards.body.errors).toEqual([{ field: 'end', message: 'end is before start' }]);
      const mixed = await post('/v1/events', { ...icegov(), start: { date: '2013-10-25' }, end: { dateTime: '2013-10-26T10:00' } });
      expect(mixed.status).toBe(400);
    });

    it('refuses a wall-clock time that does not exist (DST gap)', async () => {
      const r = await post('/v1/events', { ...icegov(), location: { city: 'New York', country: 'US' }, start: { dateTime: '2026-03-08T02:30' }, end: { dateTime: '2026-03-08T04:00' } });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0].field).toBe('start.dateTime');
    });
  });

  describe('auth', () => {
    it('401 without a token, 401 with a bad one, 403 without the staff role', async () => {
      const none = await http<Problem>(t.baseUrl, 'POST', '/v1/events', { body: icegov() });
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('UNAUTHORIZED');
      const bad = await http<Problem>(t.baseUrl, 'POST', '/v1/events', { body: icegov(), headers: { authorization: 'Bearer not.a.jwt' } });
      expect(bad.status).toBe(401);
      const wrongRole = await post('/v1/events', icegov(), {}, auditor);
      expect(wrongRole.status).toBe(403);
      expect(wrongRole.body.code).toBe('FORBIDDEN');
    });

    it('history is for staff and auditors only', async () => {
      const { body } = await schedule();
      expect((await http(t.baseUrl, 'GET', `/v1/events/${body.id}/history`)).status).toBe(401);
      expect((await http(t.baseUrl, 'GET', `/v1/events/${body.id}/history`, { token: admin })).status).toBe(403);
      expect((await http(t.baseUrl, 'GET', `/v1/events/${body.id}/history`, { token: staff })).status).toBe(200);
      expect((await http(t.baseUrl, 'GET', `/v1/events/${body.id}/history`, { token: auditor })).status).toBe(200);
    });
  });

  describe('the protocol', () => {
    it('malformed JSON is 400 MALFORMED_JSON', async () => {
      const r = await post('/v1/events', '{"title": ');
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('MALFORMED_JSON');
    });

    it('a body over 1 MB is 413', async () => {
      const r = await post('/v1/events', { ...icegov(), description: 'x'.repeat(1024 * 1024 + 10) });
      expect(r.status).toBe(413);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('a body that is not JSON is 415', async () => {
      const r = await post('/v1/events', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(r.status).toBe(415);
      expect(r.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('an unknown route is a 404 problem', async () => {
      const r = await http<Problem>(t.baseUrl, 'GET', '/v1/nothing-here');
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toBe('NOT_FOUND');
    });

    it('an unknown or malformed event id is 404 EVENT_NOT_FOUND', async () => {
      for (const id of [randomUUID(), 'nope']) {
        const r = await http<Problem>(t.baseUrl, 'GET', `/v1/events/${id}`);
        expect(r.status).toBe(404);
        expect(r.body.code).toBe('EVENT_NOT_FOUND');
      }
      const r = await post(`/v1/events/${randomUUID()}/cancel`, { reason: 'x' });
      expect(r.status).toBe(404);
    });

    it('GET answers 304 to a matching If-None-Match', async () => {
      const { body, headers } = await schedule();
      const r = await http(t.baseUrl, 'GET', `/v1/events/${body.id}`, { headers: { 'if-none-match': '"1"', 'x-min-log-position': headers.get('x-log-position')! } });
      expect(r.status).toBe(304);
    });
  });

  describe('change, reschedule, cancel', () => {
    it('PATCH changes only what it names; a PATCH that changes nothing appends nothing', async () => {
      const { body } = await schedule();
      const r = await http<EventBody>(t.baseUrl, 'PATCH', `/v1/events/${body.id}`, { token: staff, body: { location: { venue: 'COEX' } } });
      expect(r.status).toBe(200);
      expect(r.headers.get('etag')).toBe('"2"');
      expect(r.body.location).toEqual({ city: 'Seoul', country: 'KR', venue: 'COEX' });
      const same = await http<EventBody>(t.baseUrl, 'PATCH', `/v1/events/${body.id}`, { token: staff, body: { location: { venue: 'COEX' }, title: icegov().title } });
      expect(same.status).toBe(200);
      expect(same.body.version).toBe(2);
      const h = await history(body.id);
      expect(h.map((e) => e.type)).toEqual(['EventScheduled', 'EventDetailsChanged']);
      expect(h[1].metadata).toMatchObject({ actor: 'alice' });
    });

    it('If-Match: a stale version is 412 and changes nothing; the current one succeeds', async () => {
      const { body } = await schedule();
      const stale = await post(`/v1/events/${body.id}/reschedule`, { start: { date: '2013-11-01' }, end: { date: '2013-11-02' } }, { 'if-match': '"7"' });
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('VERSION_MISMATCH');
      expect(await history(body.id)).toHaveLength(1);
      const ok = await post(`/v1/events/${body.id}/reschedule`, { start: { date: '2013-11-01' }, end: { date: '2013-11-02' }, reason: 'venue' }, { 'if-match': '"1"' });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ version: 2, startsAt: '2013-10-31T15:00:00Z', endsAt: '2013-11-02T15:00:00Z' });
    });

    it('a reschedule to the same times appends nothing and answers 200 with the current state', async () => {
      const { body } = await schedule();
      const r = await post(`/v1/events/${body.id}/reschedule`, { start: { date: '2013-10-22' }, end: { date: '2013-10-25' } });
      expect(r.status).toBe(200);
      expect(r.body.version).toBe(1);
      expect(await history(body.id)).toHaveLength(1);
    });

    it('cancelled is final: a second cancel, a reschedule and a change are 409 EVENT_CANCELLED', async () => {
      const { body } = await schedule();
      const c = await post(`/v1/events/${body.id}/cancel`, { reason: 'typhoon' });
      expect(c.status).toBe(200);
      expect(c.body.status).toBe('cancelled');
      for (const r of [
        await post(`/v1/events/${body.id}/cancel`, { reason: 'again' }),
        await post(`/v1/events/${body.id}/reschedule`, { start: { date: '2013-11-01' }, end: { date: '2013-11-02' } }),
        await http<Problem>(t.baseUrl, 'PATCH', `/v1/events/${body.id}`, { token: staff, body: { title: 'new' } }),
      ]) {
        expect(r.status).toBe(409);
        expect(r.body.code).toBe('EVENT_CANCELLED');
      }
      expect((await history(body.id)).map((e) => e.type)).toEqual(['EventScheduled', 'EventCancelled']);
    });

    it('cancel needs a reason', async () => {
      const { body } = await schedule();
      const r = await post(`/v1/events/${body.id}/cancel`, {});
      expect(r.status).toBe(400);
      expect(r.body.errors?.map((e) => e.field)).toContain('reason');
    });

    it('30 concurrent reschedules without If-Match all succeed with contiguous versions and no 5xx', async () => {
      const { body } = await schedule();
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          post(`/v1/events/${body.id}/reschedule`, { start: { date: `2014-01-${String(i + 1).padStart(2, '0')}` }, end: { date: `2014-01-${String(i + 1).padStart(2, '0')}` } }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
      const h = await history(body.id);
      expect(h.map((e) => e.version)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
      for (let i = 1; i < h.length; i++) expect(h[i].prevHash).toBe(h[i - 1].hash);
    });
  });

  describe('Idempotency-Key', () => {
    it('the same key and body replays the first response and appends nothing', async () => {
      const key = randomUUID();
      const first = await post('/v1/events', icegov(), { 'idempotency-key': key });
      const second = await post('/v1/events', icegov(), { 'idempotency-key': key });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('location')).toBe(first.headers.get('location'));
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      const n = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM events WHERE metadata->>'idempotencyKey' = $1`, [key]);
      expect(n[0].n).toBe(1);
    });

    it('the same key with another body is 422', async () => {
      const key = randomUUID();
      await post('/v1/events', icegov(), { 'idempotency-key': key });
      const other = await post('/v1/events', { ...icegov(), title: 'Another' }, { 'idempotency-key': key });
      expect(other.status).toBe(422);
      expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('concurrent requests with one key append once', async () => {
      const key = randomUUID();
      const rs = await Promise.all(Array.from({ length: 5 }, () => post('/v1/events', icegov(), { 'idempotency-key': key })));
      expect(rs.every((r) => r.status === 201 || r.status === 409)).toBe(true);
      const n = await t.db.dataSource.query(`SELECT count(*)::int AS n FROM events WHERE metadata->>'idempotencyKey' = $1`, [key]);
      expect(n[0].n).toBe(1);
    });
  });

  describe('import of the listing', () => {
    interface Report {
      summary: { created: number; skipped: number; failed: number };
      created: { line: number; id: string; title: string }[];
      failed: { line: number; reason: string }[];
    }
    const importText = (text: string, token = staff) => http<Report & Problem>(t.baseUrl, 'POST', '/v1/imports', { token, body: text, headers: { 'content-type': 'text/plain' } });

    it('schedules every row once; a second import creates nothing', async () => {
      const first = await importText(LISTING);
      expect(first.status).toBe(200);
      expect(first.body.summary).toEqual({ created: 5, skipped: 0, failed: 0 });
      const icegovRow = first.body.created.find((c) => c.title.includes('ICEGOV2013'))!;
      const ev = await http<EventBody>(t.baseUrl, 'GET', `/v1/events/${icegovRow.id}`, { headers: { 'x-min-log-position': first.headers.get('x-log-position')! } });
      expect(ev.body).toMatchObject({ timeZone: 'Asia/Seoul', startsAt: '2013-10-21T15:00:00Z', endsAt: '2013-10-25T15:00:00Z', location: { city: 'Seoul', country: 'KR' } });
      const second = await importText(LISTING);
      expect(second.body.summary).toEqual({ created: 0, skipped: 5, failed: 0 });
    });

    it('reports a bad row with its line number and imports the others', async () => {
      const r = await importText('When Where\n3 March 2014 Atlantis, Nowhere Lost Forum\n4 March 2014 Tokyo, Japan Education Forum\n');
      expect(r.body.summary).toEqual({ created: 1, skipped: 0, failed: 1 });
      expect(r.body.failed[0].line).toBe(2);
    });

    it('needs text/plain and the staff role', async () => {
      expect((await http(t.baseUrl, 'POST', '/v1/imports', { token: staff, body: { text: LISTING } })).status).toBe(415);
      expect((await importText(LISTING, auditor)).status).toBe(403);
    });
  });
});
