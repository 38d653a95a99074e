import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';

const LISTING = readFileSync(resolve(__dirname, '../../data/unesco-beijing-listing.txt'), 'utf8');

interface Row {
  line: number;
  id?: string;
  title?: string;
  reason?: string;
  timeZone?: string;
  startsAt?: string;
}
interface Report {
  summary: { created: number; skipped: number; failed: number };
  created: Row[];
  skipped: Row[];
  failed: Row[];
}
interface Ev {
  id: string;
  startsAt: string;
  endsAt: string;
  start: { dateTime?: string; date?: string };
  timeZone: string;
  version: number;
}
interface Problem {
  status: number;
  code: string;
  errors?: { field: string }[];
}

/** The import's and the schedule's previews: what the write would do, and nothing appended. */
describe('previews (import and schedule) over HTTP', () => {
  let t: TestApp;
  let staff: string;

  beforeAll(async () => {
    t = await startTestApp('previews', {}, 'all');
    staff = await t.token('alice', 'staff');
  });
  afterAll(() => t.close());

  /** The log as it stands: its head position and length (a preview must leave both as they were). */
  const log = async () => (await t.db.dataSource.query(`SELECT coalesce(max(position), 0)::text AS head, count(*)::int AS n FROM events`))[0] as { head: string; n: number };
  const text = (path: string, body: string, token = staff) => http<Report & Problem>(t.baseUrl, 'POST', path, { token, body, headers: { 'content-type': 'text/plain' } });

  it('an import preview decides every row as the import then does, and appends nothing', async () => {
    const rows = LISTING.split('\n');
    // One row imported before: the preview must call it skipped. A repeated row and an unreadable one too.
    const firstRow = rows.findIndex((l) => /Ulaanbaatar/.test(l));
    const earlier = await text('/v1/imports', `When Where\n${rows[firstRow]}\n`);
    expect(earlier.body.summary).toEqual({ created: 1, skipped: 0, failed: 0 });
    const listing = `${LISTING}\n4 March 2014 Tokyo, Japan Education Forum\n4 March 2014 Tokyo, Japan Education Forum\n3 March 2014 Atlantis, Nowhere Lost Forum\n`;

    const before = await log();
    const preview = await text('/v1/imports/preview', listing);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('x-log-position')).toBeNull();
    expect(await log()).toEqual(before);
    expect(preview.body.summary).toEqual({ created: 5, skipped: 2, failed: 1 });
    expect(preview.body.skipped.map((r) => r.reason)).toEqual(['already imported', 'already imported']);
    expect(preview.body.created.find((r) => r.title?.includes('ICEGOV2013'))).toMatchObject({ timeZone: 'Asia/Seoul', startsAt: '2013-10-21T15:00:00Z', endsAt: '2013-10-25T15:00:00Z' });
    // The preview's ids are not taken: reading one finds nothing.
    expect((await http(t.baseUrl, 'GET', `/v1/events/${preview.body.created[0].id}`)).status).toBe(404);

    const imported = await text('/v1/imports', listing);
    expect(imported.status).toBe(200);
    expect(imported.body).toEqual(preview.body);
    expect((await log()).n).toBe(before.n + 5);
    const position = imported.headers.get('x-log-position')!;
    expect(BigInt(position)).toBeGreaterThan(BigInt(before.head));

    // Now everything readable is already there.
    const again = await text('/v1/imports/preview', listing);
    expect(again.body.summary).toEqual({ created: 0, skipped: 7, failed: 1 });
    expect((await log()).n).toBe(before.n + 5);
  });

  it('an import preview refuses what the import refuses, as problem+json, and appends nothing', async () => {
    const before = await log();
    const empty = await text('/v1/imports/preview', '   ');
    expect(empty.status).toBe(400);
    expect(empty.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
    expect((await http(t.baseUrl, 'POST', '/v1/imports/preview', { token: staff, body: { text: LISTING } })).status).toBe(415);
    expect((await text('/v1/imports/preview', LISTING, await t.token('audrey', 'auditor'))).status).toBe(403);
    expect((await text('/v1/imports/preview', 'x'.repeat(1024 * 1024 + 10))).status).toBe(413);
    expect(await log()).toEqual(before);
  });

  it("a schedule preview lists a weekly series' instances at 09:00 Berlin across the DST change, as the calendar then lists them", async () => {
    const id = randomUUID();
    const body = {
      id,
      title: 'Weekly briefing',
      location: { city: 'Berlin', country: 'DE' },
      timeZone: 'Europe/Berlin',
      start: { dateTime: '2026-10-13T09:00' },
      end: { dateTime: '2026-10-13T10:00' },
      recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4'],
    };
    const before = await log();
    const preview = await http<{ event: Ev; instances: Ev[]; more: boolean }>(t.baseUrl, 'POST', '/v1/events/preview', { token: staff, body });
    expect(preview.status).toBe(200);
    expect(await log()).toEqual(before);
    expect(preview.body.event).toMatchObject({ id, version: 0, timeZone: 'Europe/Berlin' });
    expect(preview.body.instances.map((i) => i.startsAt)).toEqual(['2026-10-13T07:00:00Z', '2026-10-20T07:00:00Z', '2026-10-27T08:00:00Z', '2026-11-03T08:00:00Z']);
    expect(preview.body.more).toBe(false);

    const scheduled = await http<Ev>(t.baseUrl, 'POST', '/v1/events', { token: staff, body });
    expect(scheduled.status).toBe(201);
    const listed = await waitFor(
      'the series in the calendar',
      async () => {
        const r = await http<{ items: Ev[] }>(t.baseUrl, 'GET', `/v1/events/${id}/instances?from=2026-10-01T00:00:00Z&to=2027-01-01T00:00:00Z`, {
          headers: { 'x-min-log-position': scheduled.headers.get('x-log-position')! },
        });
        return r.status === 200 ? r.body.items : undefined;
      },
      30000,
      100,
    );
    const shape = (e: Ev) => ({ id: e.id, start: e.start, startsAt: e.startsAt, endsAt: e.endsAt });
    expect(listed.map(shape)).toEqual(preview.body.instances.map(shape));
  });

  it('a schedule preview of an open-ended series lists its first ten; a bad rule is a 400 naming recurrence; nothing appended', async () => {
    const base = { title: 'Open', location: { city: 'Seoul', country: 'KR' }, start: { dateTime: '2027-01-04T18:00' }, end: { dateTime: '2027-01-04T19:00' } };
    const before = await log();
    const open = await http<{ instances: Ev[]; more: boolean }>(t.baseUrl, 'POST', '/v1/events/preview', { token: staff, body: { ...base, recurrence: ['RRULE:FREQ=MONTHLY;BYDAY=-1FR'] } });
    expect(open.status).toBe(200);
    expect(open.body.instances).toHaveLength(10);
    expect(open.body.more).toBe(true);
    expect(open.body.instances[0].start).toEqual({ dateTime: '2027-01-29T18:00:00' });
    const bad = await http<Problem>(t.baseUrl, 'POST', '/v1/events/preview', { token: staff, body: { ...base, recurrence: ['RRULE:FREQ=HOURLY'] } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.errors?.map((e) => e.field)).toContain('recurrence');
    const single = await http<{ instances: Ev[]; more: boolean }>(t.baseUrl, 'POST', '/v1/events/preview', { token: staff, body: base });
    expect(single.body).toMatchObject({ instances: [], more: false });
    expect(await log()).toEqual(before);
  });
});
