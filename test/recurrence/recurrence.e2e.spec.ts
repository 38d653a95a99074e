import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import ical, { VEvent } from 'node-ical';
import { TestApp, http, startTestApp } from '../support/app';

interface EventBody {
  id: string;
  status: string;
  title: string;
  start: { date?: string; dateTime?: string };
  startsAt: string;
  endsAt: string;
  version: number;
  recurrence?: string[];
  recurringEventId?: string;
  originalStart?: { date?: string; dateTime?: string };
  code?: string;
  errors?: { field: string; message: string }[];
}
interface Page {
  items: EventBody[];
  nextCursor: string | null;
  nextSyncToken?: string;
}
interface History {
  items: { type: string; data: Record<string, unknown> }[];
}

const briefing = (recurrence: string[]) => ({
  title: 'Weekly briefing',
  description: 'Programme updates.',
  programme: 'education',
  location: { city: 'Berlin', country: 'DE', venue: null },
  timeZone: 'Europe/Berlin',
  start: { dateTime: '2026-10-06T09:00' },
  end: { dateTime: '2026-10-06T10:00' },
  recurrence,
});

/** The instances of `uid` that ical.js's recurrence expansion makes of a feed, as [startsAt, endsAt, title] overlapping [from, to). */
function icalJsInstances(feed: string, uid: string, from: number, to: number): [string, string, string][] {
  const cal = new ICAL.Component(ICAL.parse(feed));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
  const vevents = cal.getAllSubcomponents('vevent').filter((v) => v.getFirstPropertyValue('uid') === uid);
  const master = new ICAL.Event(vevents.find((v) => !v.hasProperty('recurrence-id')));
  for (const v of vevents.filter((x) => x.hasProperty('recurrence-id'))) master.relateException(new ICAL.Event(v));
  const instant = (t: ICAL.Time) => t.toJSDate().toISOString().replace('.000Z', 'Z');
  const out: [string, string, string][] = [];
  const it = master.iterator();
  for (let next = it.next(), n = 0; next && n < 1000; next = it.next(), n++) {
    const d = master.getOccurrenceDetails(next);
    if (d.startDate.toJSDate().getTime() >= to) break;
    if (d.endDate.toJSDate().getTime() > from) out.push([instant(d.startDate), instant(d.endDate), d.item.summary]);
  }
  // An exception moved earlier than its original start's neighbours comes in original order: sort as the listing does.
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

describe('recurring events over HTTP', () => {
  let t: TestApp;
  let staff: string;
  let auditor: string;

  beforeAll(async () => {
    t = await startTestApp('recurrence', {}, 'all');
    staff = await t.token('alice', 'staff');
    auditor = await t.token('audrey', 'auditor');
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => http<EventBody>(t.baseUrl, 'POST', path, { token: staff, body, headers });
  const get = <T = EventBody>(path: string, token?: string) => http<T>(t.baseUrl, 'GET', path, token ? { token } : {});

  it('a weekly Tuesday 09:00 Berlin series lists at 09:00 local across the October DST change, with EXDATE left out', async () => {
    const created = await post('/v1/events', briefing(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6', 'EXDATE;TZID=Europe/Berlin:20261013T090000']));
    expect(created.status).toBe(201);
    expect(created.body.recurrence).toEqual(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6', 'EXDATE;TZID=Europe/Berlin:20261013T090000']);
    const id = created.body.id;

    const page = await get<Page>(`/v1/events/${id}/instances?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((i) => i.startsAt)).toEqual(['2026-10-06T07:00:00Z', '2026-10-20T07:00:00Z', '2026-10-27T08:00:00Z', '2026-11-03T08:00:00Z', '2026-11-10T08:00:00Z']);
    expect(page.body.items[2]).toMatchObject({
      id: `${id}_20261027T080000Z`,
      recurringEventId: id,
      originalStart: { dateTime: '2026-10-27T09:00:00' },
      start: { dateTime: '2026-10-27T09:00:00' },
    });

    const one = await get(`/v1/events/${id}_20261027T080000Z`);
    expect(one.status).toBe(200);
    expect(one.headers.get('etag')).toBe(`"${created.body.version}"`);
    expect(one.body.startsAt).toBe('2026-10-27T08:00:00Z');
    expect((await get(`/v1/events/${id}_20261013T070000Z`)).status).toBe(404);
  });

  it('a monthly last-Friday series in Asia/Seoul', async () => {
    const created = await post('/v1/events', {
      ...briefing(['RRULE:FREQ=MONTHLY;BYDAY=-1FR']),
      title: 'Committee',
      location: { city: 'Seoul', country: 'KR', venue: null },
      timeZone: 'Asia/Seoul',
      start: { dateTime: '2026-01-30T18:30' },
      end: { dateTime: '2026-01-30T20:00' },
    });
    expect(created.status).toBe(201);
    const page = await get<Page>(`/v1/events/${created.body.id}/instances?from=2026-02-01T00:00:00Z&to=2026-05-01T00:00:00Z`);
    expect(page.body.items.map((i) => i.start)).toEqual([{ dateTime: '2026-02-27T18:30:00' }, { dateTime: '2026-03-27T18:30:00' }, { dateTime: '2026-04-24T18:30:00' }]);
  });

  it('splits "this and following" with new times and a new title in one write; half a time or a bad one is a 400 that changes nothing', async () => {
    const created = await post('/v1/events', briefing(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8']));
    const id = created.body.id;
    const at = `/v1/events/${id}_20261117T080000Z/split`;
    const history = async (of: string) => (await get<History>(`/v1/events/${of}/history`, auditor)).body.items?.map((e) => e.type) ?? [];

    for (const [body, field] of [
      [{ start: { dateTime: '2026-11-17T14:00' } }, 'end'],
      [{ end: { dateTime: '2026-11-17T15:30' } }, 'start'],
      [{ start: { dateTime: '2026-11-17T14:00' }, end: { dateTime: '2026-11-17T13:00' } }, 'end'],
      [{ start: { dateTime: '2026-11-17T14:00' }, end: { dateTime: '2026-11-17T15:30' }, timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ title: '' }, 'title'],
    ] as const) {
      const newId = randomUUID();
      const r = await post(at, { ...body, id: newId });
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.errors?.map((e) => e.field)).toContain(field);
      expect(await history(newId)).toEqual([]);
    }
    expect(await history(id)).toEqual(['EventScheduled']);

    const split = await post(at, { start: { dateTime: '2026-11-17T14:00' }, end: { dateTime: '2026-11-17T15:30' }, title: 'Weekly briefing (afternoons)' }, { 'If-Match': '"1"' });
    expect(split.status).toBe(201);
    expect(split.headers.get('etag')).toBe('"1"');
    expect(split.body).toMatchObject({ title: 'Weekly briefing (afternoons)', start: { dateTime: '2026-11-17T14:00' }, end: { dateTime: '2026-11-17T15:30' }, version: 1 });
    const position = split.headers.get('x-log-position')!;
    const instances = async (of: string) =>
      (await http<Page>(t.baseUrl, 'GET', `/v1/events/${of}/instances?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z`, { headers: { 'X-Min-Log-Position': position } })).body.items.map((i) => [
        i.startsAt,
        i.title,
      ]);
    expect(await instances(id)).toEqual([
      ['2026-11-03T08:00:00Z', 'Weekly briefing'],
      ['2026-11-10T08:00:00Z', 'Weekly briefing'],
    ]);
    expect(await instances(split.body.id)).toEqual([
      ['2026-11-17T13:00:00Z', 'Weekly briefing (afternoons)'],
      ['2026-11-24T13:00:00Z', 'Weekly briefing (afternoons)'],
    ]);
    // One write: the new series has one event, the old one its cut, and nothing else was appended.
    expect(await history(split.body.id)).toEqual(['EventScheduled']);
    expect(await history(id)).toEqual(['EventScheduled', 'RecurrenceChanged']);
  });

  it('refuses bad rules with a 400 naming recurrence, and appends nothing', async () => {
    for (const recurrence of [['RRULE:FREQ=HOURLY'], ['RRULE:FREQ=DAILY;COUNT=731'], ['RRULE:FREQ=WEEKLY;UNTIL=20260101T000000Z'], ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'], 'RRULE:FREQ=DAILY']) {
      const id = randomUUID();
      const r = await post('/v1/events', { ...briefing(recurrence as string[]), id });
      expect(r.status).toBe(400);
      expect((await get(`/v1/events/${id}/history`, auditor)).status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.errors?.map((e) => e.field)).toContain('recurrence');
    }
  });

  it('reschedules one instance, cancels another, and splits the series; the history says each', async () => {
    const created = await post('/v1/events', briefing(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8']));
    const id = created.body.id;

    const moved = await post(
      `/v1/events/${id}_20261020T070000Z/reschedule`,
      { start: { dateTime: '2026-10-21T11:00' }, end: { dateTime: '2026-10-21T12:00' }, reason: 'room taken' },
      { 'If-Match': '"1"' },
    );
    expect(moved.status).toBe(200);
    expect(moved.headers.get('etag')).toBe('"2"');
    expect(moved.body).toMatchObject({ id: `${id}_20261020T070000Z`, startsAt: '2026-10-21T09:00:00Z', originalStart: { dateTime: '2026-10-20T09:00:00' } });

    const beforeCancel = new Date().toISOString();
    const stale = await post(`/v1/events/${id}_20261027T080000Z/cancel`, { reason: 'holiday' }, { 'If-Match': '"1"' });
    expect(stale.status).toBe(412);
    const cancelled = await post(`/v1/events/${id}_20261027T080000Z/cancel`, { reason: 'holiday' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await post(`/v1/events/${id}_20261027T080000Z/cancel`, { reason: 'again' })).body.code).toBe('EVENT_CANCELLED');
    expect((await post(`/v1/events/${id}_20261028T080000Z/cancel`, { reason: 'x' })).status).toBe(409);

    const renamed = await http<EventBody>(t.baseUrl, 'PATCH', `/v1/events/${id}_20261103T080000Z`, { token: staff, body: { title: 'Special briefing' } });
    expect(renamed.body).toMatchObject({ title: 'Special briefing', recurringEventId: id });

    const listed = await get<Page>(`/v1/events/${id}/instances?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z`);
    expect(listed.body.items.map((i) => [i.startsAt, i.title])).toEqual([
      ['2026-10-06T07:00:00Z', 'Weekly briefing'],
      ['2026-10-13T07:00:00Z', 'Weekly briefing'],
      ['2026-10-21T09:00:00Z', 'Weekly briefing'],
      ['2026-11-03T08:00:00Z', 'Special briefing'],
      ['2026-11-10T08:00:00Z', 'Weekly briefing'],
      ['2026-11-17T08:00:00Z', 'Weekly briefing'],
      ['2026-11-24T08:00:00Z', 'Weekly briefing'],
    ]);
    const withCancelled = await get<Page>(`/v1/events/${id}/instances?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z&status=all`);
    expect(withCancelled.body.items.find((i) => i.status === 'cancelled')?.startsAt).toBe('2026-10-27T08:00:00Z');

    const split = await post(`/v1/events/${id}_20261117T080000Z/split`, {});
    expect(split.status).toBe(201);
    expect(split.body.recurrence).toEqual(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2']);
    expect(split.body.start).toEqual({ dateTime: '2026-11-17T09:00:00' });
    const rest = await get<Page>(`/v1/events/${id}/instances?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z`);
    expect(rest.body.items.map((i) => i.startsAt)).toEqual(['2026-11-03T08:00:00Z', '2026-11-10T08:00:00Z']);
    const after = await get<Page>(`/v1/events/${split.body.id}/instances?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z`);
    expect(after.body.items.map((i) => i.startsAt)).toEqual(['2026-11-17T08:00:00Z', '2026-11-24T08:00:00Z']);

    const history = await get<History>(`/v1/events/${id}/history`, auditor);
    expect(history.body.items.map((e) => e.type)).toEqual(['EventScheduled', 'OccurrenceRescheduled', 'OccurrenceCancelled', 'OccurrenceDetailsChanged', 'RecurrenceChanged']);
    expect(history.body.items[2].data).toEqual({ originalStart: { dateTime: '2026-10-27T09:00:00' }, reason: 'holiday' });

    // The audit calendar as of before the cancel lists the series as its instances in the window
    // (the moved one at its new time, the later-cancelled one still scheduled), and as of now
    // the series cut by the split, without the cancelled instance.
    const position = split.headers.get('x-log-position')!;
    const audit = async (asOf: string) => {
      const r = await http<{ items: (EventBody & { lastChange: { type: string } })[] }>(
        t.baseUrl,
        'GET',
        `/v1/audit/calendar?asOf=${encodeURIComponent(asOf)}&from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z&city=Berlin`,
        {
          token: auditor,
          headers: { 'X-Min-Log-Position': position },
        },
      );
      expect(r.status).toBe(200);
      return r.body.items.filter((i) => i.recurringEventId === id);
    };
    const asThen = await audit(beforeCancel);
    expect(asThen.map((i) => [i.startsAt, i.status])).toEqual([
      ['2026-10-06T07:00:00Z', 'scheduled'],
      ['2026-10-13T07:00:00Z', 'scheduled'],
      ['2026-10-21T09:00:00Z', 'scheduled'],
      ['2026-10-27T08:00:00Z', 'scheduled'],
      ['2026-11-03T08:00:00Z', 'scheduled'],
      ['2026-11-10T08:00:00Z', 'scheduled'],
      ['2026-11-17T08:00:00Z', 'scheduled'],
      ['2026-11-24T08:00:00Z', 'scheduled'],
    ]);
    expect(asThen[2]).toMatchObject({ id: `${id}_20261020T070000Z`, originalStart: { dateTime: '2026-10-20T09:00:00' }, lastChange: { type: 'OccurrenceRescheduled' } });
    const asNow = await audit(new Date().toISOString());
    expect(asNow.map((i) => [i.startsAt, i.title])).toEqual([
      ['2026-10-06T07:00:00Z', 'Weekly briefing'],
      ['2026-10-13T07:00:00Z', 'Weekly briefing'],
      ['2026-10-21T09:00:00Z', 'Weekly briefing'],
      ['2026-11-03T08:00:00Z', 'Special briefing'],
      ['2026-11-10T08:00:00Z', 'Weekly briefing'],
    ]);

    // As of before the cancel, the instance was still scheduled.
    const then = await get(`/v1/events/${id}_20261027T080000Z?asOf=${beforeCancel}`, auditor);
    expect(then.status).toBe(200);
    expect(then.body.status).toBe('scheduled');
    expect((await get(`/v1/events/${id}_20261027T080000Z?asOf=${beforeCancel}`)).status).toBe(401);
  });

  it("changes a series' rule (If-Match, a 400 naming recurrence, an instance id refused): the listing follows, overrides on kept dates stay, the history records the change", async () => {
    const id = (await post('/v1/events', briefing(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4']))).body.id;
    // One override on a Tuesday the new rule keeps (the first), one on a Tuesday it drops (the third).
    expect((await http(t.baseUrl, 'PATCH', `/v1/events/${id}_20261006T070000Z`, { token: staff, body: { title: 'Kick-off' } })).status).toBe(200);
    expect((await http(t.baseUrl, 'PATCH', `/v1/events/${id}_20261020T070000Z`, { token: staff, body: { title: 'Mid-term' } })).status).toBe(200);

    const rule = ['RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=3'];
    expect((await post(`/v1/events/${id}/recurrence`, { recurrence: rule }, { 'If-Match': '"1"' })).status).toBe(412);
    expect((await post(`/v1/events/${id}_20261006T070000Z/recurrence`, { recurrence: rule })).status).toBe(404);
    const bad = await post(`/v1/events/${id}/recurrence`, { recurrence: ['RRULE:FREQ=HOURLY'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field)).toContain('recurrence');
    expect((await post(`/v1/events/${id}/recurrence`, {})).status).toBe(400);

    const changed = await post(`/v1/events/${id}/recurrence`, { recurrence: rule, reason: 'fortnightly from now on' }, { 'If-Match': '"3"', 'Idempotency-Key': randomUUID() });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"4"');
    expect(changed.body.recurrence).toEqual(rule);
    // The same rule again changes nothing.
    expect((await post(`/v1/events/${id}/recurrence`, { recurrence: rule })).headers.get('etag')).toBe('"4"');

    const listed = await http<Page>(t.baseUrl, 'GET', `/v1/events/${id}/instances?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z`, {
      headers: { 'X-Min-Log-Position': changed.headers.get('x-log-position')! },
    });
    expect(listed.body.items.map((i) => [i.startsAt, i.title])).toEqual([
      ['2026-10-06T07:00:00Z', 'Kick-off'],
      ['2026-10-20T07:00:00Z', 'Mid-term'],
      ['2026-11-03T08:00:00Z', 'Weekly briefing'],
    ]);
    const history = await get<History>(`/v1/events/${id}/history`, auditor);
    const last = history.body.items[history.body.items.length - 1];
    expect(last).toMatchObject({ type: 'RecurrenceChanged', data: { recurrence: rule, reason: 'fortnightly from now on' } });
  });

  it('a rule that drops an overridden instance drops the override', async () => {
    const id = (await post('/v1/events', briefing(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4']))).body.id;
    expect((await http(t.baseUrl, 'PATCH', `/v1/events/${id}_20261013T070000Z`, { token: staff, body: { title: 'Dropped later' } })).status).toBe(200);
    const changed = await post(`/v1/events/${id}/recurrence`, { recurrence: ['RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=2'] });
    expect(changed.status).toBe(200);
    const wait = { 'X-Min-Log-Position': changed.headers.get('x-log-position')! };
    const listed = await http<Page>(t.baseUrl, 'GET', `/v1/events/${id}/instances?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z`, { headers: wait });
    expect(listed.body.items.map((i) => [i.startsAt, i.title])).toEqual([
      ['2026-10-06T07:00:00Z', 'Weekly briefing'],
      ['2026-10-20T07:00:00Z', 'Weekly briefing'],
    ]);
    // The dropped instance is gone as an instance too.
    expect((await get(`/v1/events/${id}_20261013T070000Z`)).status).toBe(404);
  });

  it('incremental sync lists the series and, as items of their own, the instances changed since the token (a cancelled one as a tombstone)', async () => {
    const created = await post('/v1/events', { ...briefing(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8']), location: { city: 'Potsdam', country: 'DE', venue: null } });
    const id = created.body.id;
    const wait = (r: { headers: Headers }) => ({ 'X-Min-Log-Position': r.headers.get('x-log-position')! });
    const full = await http<Page>(t.baseUrl, 'GET', '/v1/events?city=Potsdam&from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z', { headers: wait(created) });
    const token = full.body.nextSyncToken!;
    expect(token).toBeDefined();

    await post(`/v1/events/${id}_20261020T070000Z/reschedule`, { start: { dateTime: '2026-10-21T11:00' }, end: { dateTime: '2026-10-21T12:00' }, reason: 'room taken' });
    const cancel = await post(`/v1/events/${id}_20261027T080000Z/cancel`, { reason: 'holiday' });
    const sync = async (from: string, after: { headers: Headers }) => {
      const r = await http<Page>(t.baseUrl, 'GET', `/v1/events?syncToken=${encodeURIComponent(from)}`, { headers: wait(after) });
      expect(r.status).toBe(200);
      return r.body;
    };
    const first = await sync(token, cancel);
    expect(first.items.filter((i) => i.id.startsWith(id)).map((i) => [i.id, i.status, i.startsAt, i.recurringEventId ?? null])).toEqual([
      [id, 'scheduled', '2026-10-06T07:00:00Z', null],
      [`${id}_20261020T070000Z`, 'scheduled', '2026-10-21T09:00:00Z', id],
      [`${id}_20261027T080000Z`, 'cancelled', '2026-10-27T08:00:00Z', id],
    ]);
    expect(first.items.find((i) => i.id === `${id}_20261020T070000Z`)).toMatchObject({ originalStart: { dateTime: '2026-10-20T09:00:00' }, version: 3 });

    // From that sync's token on, only what changed after it: the series and the one instance renamed.
    const renamed = await http<EventBody>(t.baseUrl, 'PATCH', `/v1/events/${id}_20261103T080000Z`, { token: staff, body: { title: 'Special briefing' } });
    expect(renamed.status).toBe(200);
    const second = await sync(first.nextSyncToken!, renamed);
    expect(second.items.filter((i) => i.id.startsWith(id)).map((i) => [i.id, i.title])).toEqual([
      [id, 'Weekly briefing'],
      [`${id}_20261103T080000Z`, 'Special briefing'],
    ]);
    // The series' own change (its rule) brings the series alone: no instance changed then.
    const ruled = await post(`/v1/events/${id}_20261124T080000Z/split`, {});
    expect(ruled.status).toBe(201);
    const third = await sync(second.nextSyncToken!, ruled);
    expect(third.items.filter((i) => i.id.startsWith(id)).map((i) => i.id)).toEqual([id]);
    expect(third.items.map((i) => i.id)).toContain(ruled.body.id);
  });

  it('the listing expands instances in the window (overrides applied, cancelled ones only with status=all), pages through them, and lists series with singleEvents=false', async () => {
    const created = await post('/v1/events', { ...briefing(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=5']), location: { city: 'Bonn', country: 'DE', venue: null } });
    const id = created.body.id;
    await post(`/v1/events/${id}_20261013T070000Z/reschedule`, { start: { dateTime: '2026-10-14T11:00' }, end: { dateTime: '2026-10-14T12:00' } });
    await post(`/v1/events/${id}_20261027T080000Z/cancel`, { reason: 'holiday' });
    const single = await post('/v1/events', {
      ...briefing([]),
      recurrence: undefined,
      title: 'One-off',
      location: { city: 'Bonn', country: 'DE', venue: null },
      start: { dateTime: '2026-10-15T09:00' },
      end: { dateTime: '2026-10-15T10:00' },
    });
    expect(single.status).toBe(201);
    const wait = { 'X-Min-Log-Position': single.headers.get('x-log-position')! };

    const window = 'city=Bonn&from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z';
    const listed = await http<Page>(t.baseUrl, 'GET', `/v1/events?${window}`, { headers: wait });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i) => [i.startsAt, i.title, i.recurringEventId ?? null])).toEqual([
      ['2026-10-06T07:00:00Z', 'Weekly briefing', id],
      ['2026-10-14T09:00:00Z', 'Weekly briefing', id],
      ['2026-10-15T07:00:00Z', 'One-off', null],
      ['2026-10-20T07:00:00Z', 'Weekly briefing', id],
      ['2026-11-03T08:00:00Z', 'Weekly briefing', id],
    ]);
    expect(listed.body.items[1]).toMatchObject({ id: `${id}_20261013T070000Z`, originalStart: { dateTime: '2026-10-13T09:00:00' } });
    expect(listed.body.nextSyncToken).toBeDefined();

    const all = await get<Page>(`/v1/events?${window}&status=all`);
    expect(all.body.items.filter((i) => i.status === 'cancelled').map((i) => i.id)).toEqual([`${id}_20261027T080000Z`]);

    // Paging two at a time gives the same items, none twice.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof get<Page>>> = await get<Page>(`/v1/events?${window}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      paged.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(listed.body.items.map((i) => i.id));

    const series = await get<Page>(`/v1/events?${window}&singleEvents=false`);
    expect(series.body.items.map((i) => [i.id, i.recurrence ?? null])).toEqual([
      [id, ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=5']],
      [single.body.id, null],
    ]);
    expect((await get(`/v1/events?${window}&singleEvents=maybe`)).status).toBe(400);
    const seriesGet = await get(`/v1/events/${id}`);
    expect(seriesGet.body.recurrence).toEqual(['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=5']);

    // The feed: the series with its rule and the cancelled instance as EXDATE, the moved one
    // as a VEVENT with the same UID and a RECURRENCE-ID; node-ical reads them as such.
    const feed = await http<string>(t.baseUrl, 'GET', `/v1/calendar.ics?${window}`);
    expect(feed.status).toBe(200);
    expect(feed.text).toContain('RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=5');
    expect(feed.text).toMatch(/EXDATE;TZID=Europe\/Berlin:20261027T090000/);
    expect(feed.text).toMatch(/RECURRENCE-ID;TZID=Europe\/Berlin:20261013T090000/);
    const parsed = Object.values(ical.sync.parseICS(feed.text)).filter((c): c is VEvent => c?.type === 'VEVENT');
    const master = parsed.find((e) => e.uid === `${id}@almanac` && e.rrule);
    expect(master).toBeDefined();
    const occurrences = master!.rrule!.between(new Date('2026-10-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'), true).map((d) => d.toISOString());
    expect(occurrences).toHaveLength(5);
    expect(Object.keys(master!.exdate ?? {})).toContain('2026-10-27T08:00:00.000Z');
    // node-ical files each one under its date and its instant: the same object twice.
    const moved = [...new Set(Object.values(master!.recurrences ?? {}))];
    expect(moved.map((e) => new Date((e as VEvent).start).toISOString())).toEqual(['2026-10-14T09:00:00.000Z']);
    expect(parsed.filter((e) => e.uid === `${id}@almanac`)).toHaveLength(1);

    // A real client library's import: ical.js expands the series (its RRULE, the EXDATE, the
    // moved instance as an exception by RECURRENCE-ID, zones from the feed's VTIMEZONEs) to
    // exactly the instances GET /v1/events lists in the window.
    expect(icalJsInstances(feed.text, `${id}@almanac`, Date.parse('2026-10-01T00:00:00Z'), Date.parse('2026-12-01T00:00:00Z'))).toEqual(
      listed.body.items.filter((i) => i.recurringEventId === id).map((i) => [i.startsAt, i.endsAt, i.title]),
    );
  });
});
