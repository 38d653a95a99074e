import { randomUUID } from 'node:crypto';
import ical, { VEvent } from 'node-ical';
import { Client } from 'pg';
import { LogCheckpoint, checkpointOf, compareCheckpoints } from '../../src/events/envelope';
import { EventStore } from '../../src/events/event-store.port';
import { ProjectionRebuilder } from '../../src/projections/projection.rebuilder';
import { calendarEventStream } from '../../src/modules/scheduling/domain/events';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';

interface Item {
  id: string;
  status: 'scheduled' | 'cancelled';
  title: string;
  programme: string | null;
  location: { city: string; country: string; venue: string | null };
  startsAt: string;
  endsAt: string;
  version: number;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
  nextSyncToken?: string;
}
interface Problem {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}

type Json = Record<string, unknown>;

describe('calendar view over HTTP', () => {
  let t: TestApp;
  let staff: string;
  let store: EventStore;

  beforeAll(async () => {
    t = await startTestApp('calendar', {}, 'all');
    staff = await t.token('alice', 'staff');
    store = t.app.get(EventStore);
  });
  afterAll(() => t.close());

  const get = <T = Page>(path: string, headers: Record<string, string> = {}) => http<T>(t.baseUrl, 'GET', path, { headers });
  const write = async (method: string, path: string, body: unknown) => {
    const r = await http<Item>(t.baseUrl, method, path, { token: staff, body });
    expect(r.status).toBeLessThan(300);
    return { ...r.body, position: r.headers.get('x-log-position')! };
  };
  const schedule = (over: Json = {}) =>
    write('POST', '/v1/events', {
      title: 'Forum',
      description: '',
      programme: 'culture',
      location: { city: 'Seoul', country: 'KR' },
      start: { date: '2031-01-10' },
      end: { date: '2031-01-10' },
      ...over,
    });
  /** GET that first waits for the calendar view to reach `position` (read-your-writes). */
  const read = async <T = Page>(path: string, position: string) => {
    const r = await get<T>(path, { 'x-min-log-position': position });
    expect(r.status).toBe(200);
    return r.body;
  };
  const ids = (p: Page) => p.items.map((i) => i.id).sort();
  const query = (q: Record<string, string>) => new URLSearchParams(q).toString();

  /**
   * Appends straight to the log (no HTTP), `width` at a time: fast bulk seeding. Returns the
   * position to wait for: the last in (transaction id, position) order, the projection's order
   * (concurrent appends commit out of position order).
   */
  async function seed(n: number, make: (i: number) => Json, width = 50): Promise<{ ids: string[]; position: string }> {
    const out: string[] = [];
    let last: LogCheckpoint = { transactionId: '0', position: '0' };
    for (let b = 0; b < n; b += width) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(width, n - b) }, async (_, k) => {
          const id = randomUUID();
          const r = await store.append(calendarEventStream(id), 0, [{ type: 'EventScheduled', data: make(b + k) }], { actor: 'seed', correlationId: id, causationId: id });
          return { id, at: checkpointOf(r.events[0]) };
        }),
      );
      for (const x of batch) {
        out.push(x.id);
        if (compareCheckpoints(x.at, last) > 0) last = x.at;
      }
    }
    return { ids: out, position: last.position };
  }

  /** Follows nextCursor to the end; the last page's nextSyncToken comes back too. */
  async function all(q: Record<string, string>, position = '0', onPage?: (n: number) => Promise<void>): Promise<{ items: Item[]; token: string; pages: number }> {
    const items: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const body: Page = await read(`/v1/events?${query(cursor ? { ...q, cursor } : q)}`, position);
      items.push(...body.items);
      pages++;
      if (!body.nextCursor) return { items, token: body.nextSyncToken!, pages };
      expect(body.nextSyncToken).toBeUndefined();
      cursor = body.nextCursor;
      await onPage?.(pages);
    }
  }

  describe('filters', () => {
    // March 2031, a window no other test uses.
    let a: Item & { position: string };
    let b: Item & { position: string };
    let c: Item & { position: string };
    let d: Item & { position: string };
    let last: string;
    const march = { from: '2031-03-01', to: '2031-03-31' };
    const inMarch = async (q: Record<string, string>) => ids(await read(`/v1/events?${query({ ...march, ...q })}`, last));

    beforeAll(async () => {
      // startsAt 2031-03-09T15:00Z, endsAt 2031-03-12T15:00Z (Seoul midnights)
      a = await schedule({
        title: 'Heritage symposium zephyrine',
        description: 'living heritage',
        programme: 'culture',
        location: { city: 'Seoul', country: 'KR' },
        start: { date: '2031-03-10' },
        end: { date: '2031-03-12' },
      });
      // 2031-03-12T11:00Z..13:00Z
      b = await schedule({
        title: 'Teachers forum',
        programme: 'education',
        location: { city: 'Tokyo', country: 'JP' },
        start: { dateTime: '2031-03-12T20:00' },
        end: { dateTime: '2031-03-12T22:00' },
      });
      // 2031-03-15T01:00Z..02:00Z
      c = await schedule({
        title: 'Ocean literacy workshop',
        description: 'for coastal schools',
        programme: 'natural-sciences',
        location: { city: 'Ulaanbaatar', country: 'MN' },
        start: { dateTime: '2031-03-15T09:00' },
        end: { dateTime: '2031-03-15T10:00' },
      });
      d = await schedule({ title: 'Youth forum', programme: 'social-sciences', location: { city: 'Beijing', country: 'CN' }, start: { date: '2031-03-11' }, end: { date: '2031-03-11' } });
      last = (await write('POST', `/v1/events/${d.id}/cancel`, { reason: 'venue closed' })).position;
    });

    it('lists only scheduled events by default; status=cancelled and status=all widen it', async () => {
      expect(await inMarch({})).toEqual([a.id, b.id, c.id].sort());
      expect(await inMarch({ status: 'cancelled' })).toEqual([d.id]);
      expect(await inMarch({ status: 'all' })).toEqual([a.id, b.id, c.id, d.id].sort());
      const cancelled = (await read(`/v1/events?${query({ ...march, status: 'cancelled' })}`, last)).items[0];
      expect(cancelled).toMatchObject({ id: d.id, status: 'cancelled', version: 2, location: { city: 'Beijing', country: 'CN', venue: null } });
    });

    it('items have the same shape as GET /v1/events/:id', async () => {
      const item = (await read(`/v1/events?${query({ ...march, q: 'zephyrine' })}`, last)).items[0];
      const one = await get<Item>(`/v1/events/${a.id}`);
      expect(item).toEqual(one.body);
    });

    it('from/to select overlap with [startsAt, endsAt); bare dates are whole UTC days', async () => {
      const window = async (from: string, to: string) => ids(await read(`/v1/events?${query({ from, to })}`, last));
      expect(await window('2031-03-12', '2031-03-12')).toEqual([a.id, b.id].sort());
      // a started before the window and runs into it.
      expect(await window('2031-03-10T00:00:00Z', '2031-03-11T00:00:00Z')).toEqual([a.id]);
      // endsAt is exclusive: a window that opens at a's end misses it.
      expect(await window('2031-03-12T15:00:00Z', '2031-03-12T16:00:00Z')).toEqual([]);
      // so is `to`: a window that closes at a's start misses it.
      expect(await window('2031-03-09T00:00:00Z', '2031-03-09T15:00:00Z')).toEqual([]);
      // An offset instant: 20:30-21:00 in Tokyo is 11:30-12:00Z, inside b (and a, which runs until 15:00Z).
      expect(await window('2031-03-12T20:30:00+09:00', '2031-03-12T21:00:00+09:00')).toEqual([a.id, b.id].sort());
      expect(await window('2031-03-12T22:30:00+09:00', '2031-03-12T23:00:00+09:00')).toEqual([a.id]);
      expect(await window('2031-03-14', '2031-03-15')).toEqual([c.id]);
      expect(ids(await read(`/v1/events?${query({ from: '2031-03-15' })}`, last))).toContain(c.id);
      expect(ids(await read(`/v1/events?${query({ to: '2031-03-13' })}`, last))).toEqual(expect.arrayContaining([a.id, b.id]));
    });

    it('filters by country, city (any case), programme and full text', async () => {
      expect(await inMarch({ country: 'JP' })).toEqual([b.id]);
      expect(await inMarch({ country: 'mn' })).toEqual([c.id]);
      expect(await inMarch({ city: 'sEOUL' })).toEqual([a.id]);
      expect(await inMarch({ programme: 'education' })).toEqual([b.id]);
      expect(await inMarch({ q: 'zephyrine' })).toEqual([a.id]);
      expect(await inMarch({ q: '"ocean literacy"' })).toEqual([c.id]);
      expect(await inMarch({ q: 'coastal' })).toEqual([c.id]); // description counts too
      expect(await inMarch({ q: 'forum -youth', status: 'all' })).toEqual([b.id]);
      expect(await inMarch({ country: 'KR', programme: 'education' })).toEqual([]);
    });
  });

  describe('paging', () => {
    it('walks 1,000 events 37 at a time without a duplicate or a gap, even with inserts while paging', async () => {
      // Five events share each start, so the id tie-break of the keyset is exercised.
      const at = (day: number, hour: number) => ({
        dateTime: `2032-${String(1 + Math.floor(day / 28)).padStart(2, '0')}-${String(1 + (day % 28)).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00`,
      });
      const event = (city: string, i: number, hour: number): Json => ({
        title: `Paging ${i}`,
        description: '',
        programme: 'culture',
        location: { city, country: 'KR', venue: null },
        timeZone: 'Asia/Seoul',
        start: at(Math.floor(i / 5), hour),
        end: at(Math.floor(i / 5), hour + 1),
      });
      const seeded = await seed(1000, (i) => event('Pagetown', i, 10));
      let early: string[] = [];
      let late: string[] = [];
      const result = await all({ city: 'Pagetown', limit: '37' }, seeded.position, async (page) => {
        if (page !== 5) return;
        // One batch before the cursor (never seen: the keyset is past it), one after (seen once).
        early = (await seed(10, (i) => event('Pagetown', i, 3))).ids;
        const s = await seed(10, (i) => event('Pagetown', 990 + i, 20));
        late = s.ids;
        await read(`/v1/events?limit=1`, s.position);
      });
      const got = result.items.map((i) => i.id);
      expect(new Set(got).size).toBe(got.length);
      expect(got).toEqual(expect.arrayContaining([...seeded.ids, ...late]));
      expect(got.filter((id) => early.includes(id))).toEqual([]);
      expect(got).toHaveLength(1010);
      expect(result.pages).toBe(Math.ceil(1010 / 37));
      // In (startsAt, id) order throughout.
      const keys = result.items.map((i) => `${i.startsAt} ${i.id}`);
      expect([...keys].sort()).toEqual(keys);
    });

    it('refuses a cursor with other filters, a forged cursor and a limit out of range', async () => {
      const first = await get(`/v1/events?${query({ city: 'Pagetown', limit: '2' })}`);
      const other = await get<Problem>(`/v1/events?${query({ city: 'Seoul', limit: '2', cursor: first.body.nextCursor! })}`);
      expect(other.status).toBe(400);
      expect(other.body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
      const forged = await get<Problem>('/v1/events?cursor=bm90LWEtY3Vyc29y');
      expect(forged.status).toBe(400);
      // The same filters with another limit are fine.
      const next = await get(`/v1/events?${query({ city: 'pagetown', limit: '3', cursor: first.body.nextCursor! })}`);
      expect(next.status).toBe(200);
      expect(next.body.items).toHaveLength(3);
    });
  });

  describe('read your writes', () => {
    it('a read with X-Min-Log-Position sees the write that returned that position', async () => {
      const e = await schedule({ title: 'Instant replay quokka' });
      const r = await get(`/v1/events?q=quokka`, { 'x-min-log-position': e.position });
      expect(r.status).toBe(200);
      expect(ids(r.body)).toEqual([e.id]);
      const changed = await write('PATCH', `/v1/events/${e.id}`, { title: 'Instant replay quokka renamed' });
      const again = await get(`/v1/events?q=renamed`, { 'x-min-log-position': changed.position });
      expect(again.body.items).toEqual([expect.objectContaining({ id: e.id, version: 2 })]);
    });

    it('holds the read until the view has caught up, rather than answering stale', async () => {
      // The projection's owner lock, held for a moment: the worker cannot apply the write yet.
      const blocker = new Client({ connectionString: t.db.url });
      await blocker.connect();
      try {
        await blocker.query(`SELECT pg_advisory_lock(hashtext('almanac:projection:calendar'))`);
        const e = await schedule({ title: 'Patient numbat' });
        let answered = false;
        const pending = get('/v1/events?q=numbat', { 'x-min-log-position': e.position }).finally(() => (answered = true));
        // The worker is now queued behind the lock: the view cannot have the write.
        await waitFor('the projection to wait for its lock', async () => {
          const q = await blocker.query(`SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`);
          return q.rowCount! > 0;
        });
        expect((await get('/v1/events?q=numbat')).body.items).toEqual([]); // without the header: stale, at once
        expect(answered).toBe(false); // with it: still held
        await blocker.query(`SELECT pg_advisory_unlock(hashtext('almanac:projection:calendar'))`);
        const r = await pending;
        expect(r.status).toBe(200);
        expect(ids(r.body)).toEqual([e.id]);
        // Woken by LISTEN on one dedicated connection per process (polling is only the fallback).
        const listeners = await blocker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'almanac-read-waiter' AND datname = current_database()`);
        expect(listeners.rows[0].n).toBe(1);
      } finally {
        await blocker.end();
      }
    });

    it('refuses a position beyond the head of the log or that is not a number', async () => {
      for (const v of ['999999999999', 'abc', '-1']) {
        const r = await get<Problem>('/v1/events', { 'x-min-log-position': v });
        expect(r.status).toBe(400);
        expect(r.body.errors?.[0].field).toBe('X-Min-Log-Position');
      }
    });

    it('answers 503 with Retry-After when the view does not catch up within 5 s', async () => {
      // Hold the projection's owner lock, so the worker cannot apply anything.
      const blocker = new Client({ connectionString: t.db.url });
      await blocker.connect();
      try {
        await blocker.query(`SELECT pg_advisory_lock(hashtext('almanac:projection:calendar'))`);
        const e = await schedule({ title: 'Stalled wombat' });
        const started = Date.now();
        const r = await get<Problem>('/v1/events?q=wombat', { 'x-min-log-position': e.position });
        expect(r.status).toBe(503);
        expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(r.headers.get('retry-after')).toBe('1');
        expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
        await blocker.query(`SELECT pg_advisory_unlock(hashtext('almanac:projection:calendar'))`);
        await waitFor('the view to catch up after the lock is released', async () => (await get('/v1/events?q=wombat', { 'x-min-log-position': e.position })).status === 200);
      } finally {
        await blocker.end();
      }
    }, 30000);
  });

  describe('page cache', () => {
    it('serves a repeated listing from memory only while the view is unchanged: any change shows at once', async () => {
      const e = await schedule({ title: 'Cached forum', location: { city: 'Busan', country: 'KR' }, start: { date: '2034-03-01' }, end: { date: '2034-03-01' } });
      const path = `/v1/events?${query({ from: '2034-03-01', to: '2034-03-31', country: 'KR' })}`;
      const hits = async () => Number(/almanac_list_cache_lookups_total\{result="hit"\} (\d+)/.exec((await http(t.baseUrl, 'GET', '/metrics')).text)?.[1] ?? 0);
      const first = await read(path, e.position);
      const before = await hits();
      const again = await get(path);
      expect(again.body).toEqual(first);
      expect(await hits()).toBe(before + 1);
      expect(first.items.map((i) => i.title)).toEqual(['Cached forum']);

      // Once GET /v1/events/:id shows the change (the view has it), so does the listing, without any header.
      const changed = await write('PATCH', `/v1/events/${e.id}`, { title: 'Renamed forum' });
      await read(`/v1/events/${e.id}`, changed.position);
      const after = await get(path);
      expect(after.body.items.map((i) => i.title)).toEqual(['Renamed forum']);
      expect(after.body.nextSyncToken).not.toBe(first.nextSyncToken);

      // A write elsewhere in the view also retires the page (its sync token moves), content unchanged.
      const other = await schedule({ title: 'Elsewhere', location: { city: 'Tokyo', country: 'JP' }, start: { date: '2034-05-01' }, end: { date: '2034-05-01' } });
      await read(`/v1/events/${other.id}`, other.position);
      const later = await get(path);
      expect(later.body.items).toEqual(after.body.items);
      expect(later.body.nextSyncToken).not.toBe(after.body.nextSyncToken);

      // Nobody here waits for this write: the projection's own notification retires the page.
      await write('PATCH', `/v1/events/${e.id}`, { title: 'Renamed again' });
      await waitFor('the listing shows the change', async () => (await get(path)).body.items[0]?.title === 'Renamed again');
    });

    it('when the LISTEN connection is lost, pages are checked against the database until it is back', async () => {
      const e = await schedule({ title: 'Listen lost', location: { city: 'Daegu', country: 'KR' }, start: { date: '2034-07-01' }, end: { date: '2034-07-01' } });
      const path = `/v1/events?${query({ from: '2034-07-01', to: '2034-07-31', country: 'KR' })}`;
      await read(path, e.position);
      await get(path); // cached, and the version trusted
      const killed = await t.db.dataSource.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'almanac-read-waiter' AND datname = current_database()`);
      expect(killed.length).toBeGreaterThan(0);
      // No notification can arrive now; the change must show anyway.
      await write('PATCH', `/v1/events/${e.id}`, { title: 'Listen lost, still exact' });
      await waitFor('the listing shows the change', async () => (await get(path)).body.items[0]?.title === 'Listen lost, still exact');
    });
  });

  describe('incremental sync', () => {
    it('a full listing hands out a token; a sync from it returns exactly what changed since, and applying it equals a fresh listing', async () => {
      const base = await schedule({ title: 'Sync base', location: { city: 'Busan', country: 'KR' } });
      const [moved, renamed, dropped] = [await schedule({ title: 'Sync moved' }), await schedule({ title: 'Sync renamed' }), await schedule({ title: 'Sync dropped' })];
      const full = await all({ status: 'all', limit: '500' }, dropped.position);
      const copy = new Map(full.items.map((i) => [i.id, i]));
      expect(copy.has(base.id)).toBe(true);

      const created = [await schedule({ title: 'Sync new one' }), await schedule({ title: 'Sync new two' })];
      await write('POST', `/v1/events/${moved.id}/reschedule`, { start: { date: '2031-02-01' }, end: { date: '2031-02-02' } });
      await write('PATCH', `/v1/events/${renamed.id}`, { title: 'Sync renamed indeed', location: { venue: 'Hall A' } });
      const cancel = await write('POST', `/v1/events/${dropped.id}/cancel`, { reason: 'storm' });

      // Paged 2 at a time: five changes take three pages, the token only on the last.
      const changes: Item[] = [];
      let page: Page = await read(`/v1/events?${query({ syncToken: full.token, limit: '2' })}`, cancel.position);
      for (;;) {
        changes.push(...page.items);
        if (!page.nextCursor) break;
        expect(page.nextSyncToken).toBeUndefined();
        page = await read(`/v1/events?${query({ syncToken: full.token, limit: '2', cursor: page.nextCursor })}`, cancel.position);
      }
      expect(changes.map((i) => i.id).sort()).toEqual([...created.map((e) => e.id), moved.id, renamed.id, dropped.id].sort());
      expect(changes.find((i) => i.id === dropped.id)).toMatchObject({ status: 'cancelled', version: 2 });
      expect(changes.find((i) => i.id === moved.id)).toMatchObject({ startsAt: '2031-01-31T15:00:00Z', version: 2 });

      for (const i of changes) copy.set(i.id, i);
      const fresh = await all({ status: 'all', limit: '500' }, cancel.position);
      expect(new Map(fresh.items.map((i) => [i.id, i]))).toEqual(copy);

      // Nothing changed since: empty, and a token that stays usable.
      const quiet = await read(`/v1/events?${query({ syncToken: page.nextSyncToken! })}`, cancel.position);
      expect(quiet).toEqual({ items: [], nextCursor: null, nextSyncToken: page.nextSyncToken });
      // A sync ignores filters (they could hide an event's move out of the client's view).
      const filtered = await read(`/v1/events?${query({ syncToken: full.token, country: 'JP' })}`, cancel.position);
      expect(filtered.items).toHaveLength(5);
    });

    it('a rebuild of the view (verified equal to the live one) expires older tokens, not the data', async () => {
      const before = await all({ status: 'all', limit: '500' });
      const report = await t.app.get(ProjectionRebuilder).rebuild('calendar', { verify: true });
      expect(report.differences).toEqual([]);
      const expired = await get<Problem>(`/v1/events?${query({ syncToken: before.token })}`);
      expect(expired.status).toBe(410);
      expect(expired.body.code).toBe('SYNC_TOKEN_EXPIRED');
      const after = await all({ status: 'all', limit: '500' });
      expect(after.items).toEqual(before.items);
      // The new generation's token syncs as usual.
      const e = await schedule({ title: 'After the rebuild' });
      const synced = await read(`/v1/events?${query({ syncToken: after.token })}`, e.position);
      expect(ids(synced)).toEqual([e.id]);
    });

    it('answers 410 SYNC_TOKEN_EXPIRED to a token it cannot honour', async () => {
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const { g } = JSON.parse(Buffer.from((await get('/v1/events?limit=1&q=nothingmatchesthis')).body.nextSyncToken!, 'base64url').toString()) as { g: number };
      // Unreadable, another generation, ahead of this calendar's changes, the wrong shape.
      for (const token of ['garbage!', '', b64({ g: g + 1, s: '0' }), b64({ g, s: '99999999' }), b64([1, 2])]) {
        const r = await get<Problem>(`/v1/events?${query({ syncToken: token })}`);
        expect({ token, status: r.status, code: r.body.code }).toEqual({ token, status: 410, code: 'SYNC_TOKEN_EXPIRED' });
        expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      }
    });
  });

  describe('iCalendar feed', () => {
    it('publishes the filtered events with stable UIDs, exclusive all-day DTEND, zones and REFRESH-INTERVAL', async () => {
      const allDay = await schedule({ title: 'ICEGOV feed', location: { city: 'Seoul', country: 'KR', venue: 'COEX' }, start: { date: '2033-10-22' }, end: { date: '2033-10-25' } });
      const timed = await schedule({
        title: 'Feed timed',
        description: 'Line one, with; specials',
        location: { city: 'Tokyo', country: 'JP' },
        start: { dateTime: '2033-10-23T09:30' },
        end: { dateTime: '2033-10-23T11:00' },
      });
      const gone = await schedule({ title: 'Feed gone', start: { date: '2033-10-24' }, end: { date: '2033-10-24' } });
      const cancel = await write('POST', `/v1/events/${gone.id}/cancel`, { reason: 'no' });
      const path = `/v1/calendar.ics?${query({ from: '2033-10-01', to: '2033-10-31', status: 'all' })}`;

      const first = await get<string>(path, { 'x-min-log-position': cancel.position });
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      const text = first.text;
      expect(text).toContain('METHOD:PUBLISH');
      expect(text).toContain('X-WR-CALNAME:almanac');
      expect(text).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT1H');
      expect(text).toContain('X-PUBLISHED-TTL:PT1H');
      expect(text).toContain('DTSTART;VALUE=DATE:20331022');
      expect(text).toContain('DTEND;VALUE=DATE:20331026');
      expect(text).toContain('DTSTART;TZID=Asia/Tokyo:20331023T093000');
      expect(text).toContain('DTEND;TZID=Asia/Tokyo:20331023T110000');
      // One VTIMEZONE per zone the feed uses (RFC 5545 §3.2.19), and none for all-day events.
      expect(text.match(/BEGIN:VTIMEZONE\r\nTZID:[^\r]+/g)).toEqual(['BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo']);

      const events = (s: string) => Object.values(ical.sync.parseICS(s)).filter((c): c is VEvent => c?.type === 'VEVENT');
      const parsed = events(text);
      expect(parsed.map((e) => e.uid).sort()).toEqual([allDay.id, timed.id, gone.id].map((id) => `${id}@almanac`).sort());
      const byUid = new Map(parsed.map((e) => [e.uid, e]));
      const a = byUid.get(`${allDay.id}@almanac`)!;
      expect(a.datetype).toBe('date');
      expect(a.location).toBe('COEX, Seoul, KR');
      expect(a.status).toBe('CONFIRMED');
      const tm = byUid.get(`${timed.id}@almanac`)!;
      expect(tm.start.toISOString()).toBe('2033-10-23T00:30:00.000Z');
      expect(tm.description).toBe('Line one, with; specials');
      const g = byUid.get(`${gone.id}@almanac`)!;
      expect(g.status).toBe('CANCELLED');
      expect(text).toMatch(new RegExp(`UID:${gone.id}@almanac\\r\\nSEQUENCE:1\\r\\n`));

      // Same UIDs on the next fetch; an unchanged feed is byte-identical and revalidates to 304.
      const second = await get<string>(path);
      expect(
        events(second.text)
          .map((e) => e.uid)
          .sort(),
      ).toEqual(parsed.map((e) => e.uid).sort());
      expect(second.text).toBe(text);
      const etag = second.headers.get('etag')!;
      expect((await get(path, { 'if-none-match': etag })).status).toBe(304);

      // Default status is scheduled, as for GET /v1/events.
      const scheduledOnly = events((await get<string>(`/v1/calendar.ics?${query({ from: '2033-10-01', to: '2033-10-31' })}`)).text);
      expect(scheduledOnly.map((e) => e.uid)).not.toContain(`${gone.id}@almanac`);
    });
  });

  describe('validation', () => {
    it.each([
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=', 'limit'],
      ['status=bogus', 'status'],
      ['programme=sports', 'programme'],
      ['country=ZZ', 'country'],
      ['from=2031-02-30', 'from'],
      ['from=2031-03-01T10:00', 'from'],
      ['to=yesterday', 'to'],
      ['from=2031-03-02&to=2031-03-01', 'to'],
      ['city=', 'city'],
      ['city=a&city=b', 'city'],
      ['colour=red', 'colour'],
      ['cursor=%21%21', 'cursor'],
    ])('GET /v1/events?%s is a 400 naming %s', async (qs, field) => {
      const r = await get<Problem>(`/v1/events?${qs}`);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      expect(r.body.errors?.map((e) => e.field)).toContain(field);
    });

    it('the feed validates the same filters and takes no paging', async () => {
      for (const qs of ['status=bogus', 'cursor=abc', 'limit=10', 'from=2031-03-02&to=2031-03-01']) {
        const r = await get<Problem>(`/v1/calendar.ics?${qs}`);
        expect({ qs, status: r.status, code: r.body.code }).toEqual({ qs, status: 400, code: 'VALIDATION_FAILED' });
      }
    });
  });
});
