import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GENESIS_HASH } from '../../src/events/hash-chain';
import { ReplayService } from '../../src/modules/audit/replay/replay.service';
import { ProjectionRebuilder } from '../../src/projections/projection.rebuilder';
import { ProjectionRegistry } from '../../src/projections/projection.registry';
import { ProjectionRunner } from '../../src/projections/projection.runner';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';

const CLI = resolve(__dirname, '../../dist/cli/main.js');
const run = promisify(execFile);

interface HistoryItem {
  position: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: { actor: string; correlationId: string; causationId: string; recordedAt: string };
  recordedAt: string;
  prevHash: string;
  hash: string;
}
interface LogItem extends HistoryItem {
  id: string;
  streamId: string;
}
interface LogPage {
  items: LogItem[];
  nextAfter: string | null;
  prevBefore?: string | null;
}
interface CalendarItem {
  id: string;
  status: string;
  title: string;
  startsAt: string;
  version: number;
  lastChange: { type: string; actor: string; recordedAt: string; position: string };
}
interface CalendarPage {
  asOf: string;
  items: CalendarItem[];
  nextCursor: string | null;
}

/**
 * An event's life told by two staff members, then read back the way an auditor would: who
 * changed what, when and why; what it (and the whole calendar) looked like at every step;
 * the log paged and filtered; an export checked offline, and caught when tampered with.
 */
describe('auditing an event’s life from the log', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  let auditor: string;
  let id: string;
  let otherId: string;
  let lastPosition = '0';
  let history: HistoryItem[];
  let tmp: string;

  const env = () => ({ ...process.env, DATABASE_URL: t.config.DATABASE_URL, REDIS_URL: t.config.REDIS_URL, QUEUE_PREFIX: t.config.QUEUE_PREFIX, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const get = <T>(path: string, token = auditor, headers: Record<string, string> = {}) => http<T>(t.baseUrl, 'GET', path, { token, headers });
  /** Every write lands at a later millisecond than the one before, so "between two steps" exists. */
  async function write(token: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
    const r = await http<{ id: string; version: number }>(t.baseUrl, method, path, { token, body, headers });
    expect(r.status).toBeLessThan(300);
    const p = r.headers.get('x-log-position')!;
    if (BigInt(p) > BigInt(lastPosition)) lastPosition = p;
    const after = Date.now();
    await waitFor('the clock to move on', () => Date.now() > after + 2);
    return r.body;
  }
  const mid = (a: string, b: string) => new Date(Math.floor((Date.parse(a) + Date.parse(b)) / 2)).toISOString();

  beforeAll(async () => {
    // The api role, with the history projection driven by the test itself: deterministic, and
    // independent of the worker role's other jobs.
    t = await startTestApp('audit', {}, 'api');
    [alice, bob, auditor] = await Promise.all([t.token('alice', 'staff'), t.token('bob', 'staff'), t.token('eve', 'auditor')]);
    tmp = await mkdtemp(join(tmpdir(), 'almanac-audit-'));

    otherId = (
      await write(alice, 'POST', '/v1/events', { title: 'Other forum', programme: 'culture', location: { city: 'Tokyo', country: 'JP' }, start: { date: '2031-03-01' }, end: { date: '2031-03-02' } })
    ).id;
    id = (
      await write(
        alice,
        'POST',
        '/v1/events',
        { title: 'Youth forum', programme: 'education', location: { city: 'Seoul', country: 'KR' }, start: { date: '2031-05-10' }, end: { date: '2031-05-11' } },
        { 'X-Correlation-Id': 'corr-alice-1' },
      )
    ).id;
    await write(bob, 'PATCH', `/v1/events/${id}`, { title: 'Asia-Pacific youth forum' }, { 'X-Correlation-Id': 'corr-bob-1' });
    await write(alice, 'POST', `/v1/events/${id}/reschedule`, { start: { date: '2031-06-10' }, end: { date: '2031-06-12' }, reason: 'venue unavailable' }, { 'X-Correlation-Id': 'corr-alice-2' });
    await write(bob, 'POST', `/v1/events/${id}/cancel`, { reason: 'funding withdrawn' }, { 'X-Correlation-Id': 'corr-bob-2' });
    history = (await get<{ items: HistoryItem[] }>(`/v1/events/${id}/history`)).body.items;
    const projection = t.app.get(ProjectionRegistry).get('calendar-history')!;
    // The gap-safe reader waits for transactions still in flight anywhere on the server (other
    // test files' databases included), so one catch-up may apply nothing yet: wait for all five.
    let applied = 0;
    await waitFor('the history projection to apply the five events', async () => {
      const r = await t.app.get(ProjectionRunner).catchUp(projection);
      expect(r.stopped).toBe(false);
      applied += r.applied;
      return applied >= 5;
    });
    expect(applied).toBe(5);
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    await t?.close();
  });

  it('history says who changed what, when and why, with linked hashes', () => {
    expect(history.map((h) => [h.version, h.type, h.metadata.actor, h.metadata.correlationId])).toEqual([
      [1, 'EventScheduled', 'alice', 'corr-alice-1'],
      [2, 'EventDetailsChanged', 'bob', 'corr-bob-1'],
      [3, 'EventRescheduled', 'alice', 'corr-alice-2'],
      [4, 'EventCancelled', 'bob', 'corr-bob-2'],
    ]);
    expect(history[1].data).toEqual({ title: 'Asia-Pacific youth forum' });
    expect(history[2].data).toMatchObject({ reason: 'venue unavailable' });
    expect(history[3].data).toEqual({ reason: 'funding withdrawn' });
    expect(history[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < history.length; i++) {
      expect(history[i].prevHash).toBe(history[i - 1].hash);
      expect(BigInt(history[i].position) > BigInt(history[i - 1].position)).toBe(true);
      expect(Date.parse(history[i].recordedAt)).toBeGreaterThan(Date.parse(history[i - 1].recordedAt));
    }
    for (const h of history)
      expect(h).toEqual(expect.objectContaining({ position: expect.any(String), schemaVersion: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/), recordedAt: h.metadata.recordedAt }));
  });

  it('shows the event, and the whole calendar, as recorded at each step (404 / absent before it existed)', async () => {
    const steps = history.map((h, i) => ({ version: h.version, at: i + 1 < history.length ? mid(h.recordedAt, history[i + 1].recordedAt) : new Date().toISOString() }));
    const before = new Date(Date.parse(history[0].recordedAt) - 1).toISOString();
    const expected = [
      { version: 1, status: 'scheduled', title: 'Youth forum', startsAt: '2031-05-09T15:00:00Z', actor: 'alice' },
      { version: 2, status: 'scheduled', title: 'Asia-Pacific youth forum', startsAt: '2031-05-09T15:00:00Z', actor: 'bob' },
      { version: 3, status: 'scheduled', title: 'Asia-Pacific youth forum', startsAt: '2031-06-09T15:00:00Z', actor: 'alice' },
      { version: 4, status: 'cancelled', title: 'Asia-Pacific youth forum', startsAt: '2031-06-09T15:00:00Z', actor: 'bob' },
    ];
    const wait = { 'X-Min-Log-Position': lastPosition };

    expect((await get(`/v1/events/${id}?asOf=${encodeURIComponent(before)}`)).status).toBe(404);
    const empty = await get<CalendarPage>(`/v1/audit/calendar?status=all&asOf=${encodeURIComponent(before)}`, auditor, wait);
    expect(empty.status).toBe(200);
    expect(empty.body.items.map((i) => i.id)).toEqual([otherId]);

    for (const [i, step] of steps.entries()) {
      const e = expected[i];
      const one = await get<CalendarItem>(`/v1/events/${id}?asOf=${encodeURIComponent(step.at)}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ version: e.version, status: e.status, title: e.title, startsAt: e.startsAt });

      const all = await get<CalendarPage>(`/v1/audit/calendar?status=all&asOf=${encodeURIComponent(step.at)}`, auditor, wait);
      expect(all.status).toBe(200);
      expect(all.body.asOf).toBe(step.at);
      const item = all.body.items.find((x) => x.id === id)!;
      // The projection and the fold of the log agree on every field.
      const { lastChange, ...state } = item;
      expect(state).toEqual(one.body);
      expect(lastChange).toEqual({ type: history[i].type, actor: e.actor, recordedAt: history[i].recordedAt, position: history[i].position });
      expect(all.body.items.map((x) => x.id)).toEqual([otherId, id]); // ordered by startsAt
    }

    // The filters of GET /v1/events, at an instant: the default status is `scheduled`.
    const atEnd = encodeURIComponent(steps[3].at);
    expect((await get<CalendarPage>(`/v1/audit/calendar?asOf=${atEnd}`, auditor, wait)).body.items.map((x) => x.id)).toEqual([otherId]);
    expect((await get<CalendarPage>(`/v1/audit/calendar?asOf=${encodeURIComponent(steps[2].at)}&country=KR`, auditor, wait)).body.items.map((x) => x.id)).toEqual([id]);
    expect((await get<CalendarPage>(`/v1/audit/calendar?asOf=${encodeURIComponent(steps[2].at)}&from=2031-06-01&to=2031-06-30`, auditor, wait)).body.items.map((x) => x.id)).toEqual([id]);
    expect((await get<CalendarPage>(`/v1/audit/calendar?asOf=${encodeURIComponent(steps[1].at)}&from=2031-06-01&to=2031-06-30`, auditor, wait)).body.items).toEqual([]);
    expect((await get<CalendarPage>(`/v1/audit/calendar?asOf=${encodeURIComponent(steps[1].at)}&q=Asia-Pacific`, auditor, wait)).body.items.map((x) => x.id)).toEqual([id]);

    // Paged: one item per page, the cursor tied to the same asOf and filters.
    const p1 = await get<CalendarPage>(`/v1/audit/calendar?status=all&limit=1&asOf=${atEnd}`, auditor, wait);
    expect(p1.body.items.map((x) => x.id)).toEqual([otherId]);
    const p2 = await get<CalendarPage>(`/v1/audit/calendar?status=all&limit=1&asOf=${atEnd}&cursor=${p1.body.nextCursor}`);
    expect(p2.body).toMatchObject({ items: [{ id }], nextCursor: null });
    expect((await get(`/v1/audit/calendar?status=all&limit=1&asOf=${encodeURIComponent(steps[0].at)}&cursor=${p1.body.nextCursor}`)).status).toBe(400);

    expect((await get(`/v1/audit/calendar`)).status).toBe(400);
    expect((await get(`/v1/audit/calendar?asOf=yesterday`)).status).toBe(400);
  });

  it('pages the global log in position order, without gaps or duplicates', async () => {
    const all = (await get<LogPage>('/v1/audit/log?limit=1000')).body;
    expect(all.nextAfter).toBeNull();
    expect(all.items).toHaveLength(5);
    const seen: LogItem[] = [];
    let after: string | null = '0';
    let pages = 0;
    while (after !== null) {
      const page: LogPage = (await get<LogPage>(`/v1/audit/log?limit=2&after=${after}`)).body;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      after = page.nextAfter;
      if (after !== null) expect(after).toBe(page.items[page.items.length - 1].position);
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(all.items);
    const positions = seen.map((i) => BigInt(i.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    const mine = seen.filter((i) => i.streamId === `calendar-event-${id}`);
    expect(mine).toEqual(history);
    expect(seen[0]).toEqual(expect.objectContaining({ id: expect.any(String), version: 1, type: 'EventScheduled' }));
  });

  it('pages the log backwards from its end with before, in position order, meeting the forward pages exactly', async () => {
    const all = (await get<LogPage>('/v1/audit/log?limit=1000')).body.items;
    const seen: LogItem[][] = [];
    let before: string | null = 'end';
    while (before !== null) {
      const page: LogPage = (await get<LogPage>(`/v1/audit/log?limit=2&before=${before}`)).body;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.unshift(page.items);
      before = page.prevBefore ?? null;
      if (before !== null) expect(before).toBe(page.items[0].position);
    }
    // 5 entries from the end, two at a time: 1, 2, 2.
    expect(seen.map((p) => p.length)).toEqual([1, 2, 2]);
    expect(seen.flat()).toEqual(all);
    const latest = (await get<LogPage>('/v1/audit/log?limit=2&before=end')).body;
    expect(latest).toMatchObject({ nextAfter: null, prevBefore: all[3].position });
    // A page read with before tells where the entries after it start.
    const middle = (await get<LogPage>(`/v1/audit/log?limit=2&before=${all[3].position}`)).body;
    expect(middle.items).toEqual(all.slice(1, 3));
    expect(middle.nextAfter).toBe(all[2].position);
    expect((await get<LogPage>(`/v1/audit/log?after=${middle.nextAfter}&limit=1`)).body.items).toEqual([all[3]]);
    // Filters apply as forward.
    expect((await get<LogPage>(`/v1/audit/log?before=end&stream=calendar-event-${id}&limit=3`)).body.items.map((i) => i.version)).toEqual([2, 3, 4]);
    const both = await get<LogPage & { errors?: { field: string }[] }>(`/v1/audit/log?after=0&before=end`);
    expect(both.status).toBe(400);
    expect(both.body.errors?.map((e) => e.field)).toEqual(['before']);
    expect((await get('/v1/audit/log?before=start')).status).toBe(400);
    // Before the first position: nothing, and the entries after it start from the beginning.
    expect((await get<LogPage>('/v1/audit/log?before=0')).body).toEqual({ items: [], nextAfter: '0', prevBefore: null });
  });

  it('filters the log by type, actor, stream and recorded time', async () => {
    const items = async (q: string) => (await get<LogPage>(`/v1/audit/log?${q}`)).body.items.map((i) => `${i.streamId.slice(-4)}/${i.version}`);
    const s = id.slice(-4);
    const o = otherId.slice(-4);
    expect(await items('type=EventCancelled')).toEqual([`${s}/4`]);
    expect(await items('type=EventScheduled')).toEqual([`${o}/1`, `${s}/1`]);
    expect(await items('actor=bob')).toEqual([`${s}/2`, `${s}/4`]);
    expect(await items(`stream=calendar-event-${id}`)).toEqual([`${s}/1`, `${s}/2`, `${s}/3`, `${s}/4`]);
    expect(await items(`stream=calendar-event-${id}&actor=alice&limit=1`)).toEqual([`${s}/1`]);
    const from = encodeURIComponent(history[1].recordedAt);
    const to = encodeURIComponent(history[3].recordedAt);
    expect(await items(`from=${from}&to=${to}`)).toEqual([`${s}/2`, `${s}/3`]); // from inclusive, to exclusive
    expect(await items(`from=2000-01-01&to=2000-01-01`)).toEqual([]);
    expect((await get('/v1/audit/log?limit=1001')).status).toBe(400);
    expect((await get('/v1/audit/log?after=-1')).status).toBe(400);
    expect((await get('/v1/audit/log?from=2024-02-30')).status).toBe(400);
  });

  it('exports the log as NDJSON that verifies offline, and catches a tampered line', async () => {
    const res = await fetch(`${t.baseUrl}/v1/audit/export`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ kind: 'export-header', complete: true });
    const events = lines.filter((l) => !l.kind);
    expect(events).toHaveLength(5);
    // RAW rows: the stored data, exactly what the hash covers.
    expect(events.find((e) => e.streamId === `calendar-event-${id}` && e.version === 2)).toMatchObject({ data: { title: 'Asia-Pacific youth forum' }, hash: history[1].hash });
    expect(lines.filter((l) => l.kind === 'stream-summary')).toEqual([
      ...[id, otherId]
        .sort()
        .map((x) => ({ kind: 'stream-summary', streamId: `calendar-event-${x}`, version: x === id ? 4 : 1, lastHash: x === id ? history[3].hash : expect.any(String), events: x === id ? 4 : 1 })),
    ]);
    expect(lines[lines.length - 1]).toEqual({ kind: 'export-summary', count: 5, streams: 2 });

    const file = join(tmp, 'export.ndjson');
    await writeFile(file, text);
    const ok = await run(process.execPath, [CLI, 'audit', 'verify', '--file', file], { env: env() });
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, streams: 2, events: 5, broken: [], file: { ok: true, problems: [] } });

    // Bob's change re-attributed to alice: the line no longer hashes to its hash.
    const tampered = text.split('\n').map((l) => (l.includes(history[1].hash) && l.includes('"actor":"bob"') ? l.replace('"actor":"bob"', '"actor":"alice"') : l));
    expect(tampered.join('\n')).not.toBe(text);
    await writeFile(file, tampered.join('\n'));
    const bad = await run(process.execPath, [CLI, 'audit', 'verify', '--file', file], { env: env() }).then(
      () => null,
      (err: { code: number; stdout: string }) => err,
    );
    expect(bad?.code).toBe(1);
    expect(JSON.parse(bad!.stdout)).toMatchObject({ ok: false, broken: [{ streamId: `calendar-event-${id}`, version: 2, position: history[1].position, codes: ['hash-mismatch'] }] });
  });

  it('a filtered export is marked partial and still verifies', async () => {
    const res = await fetch(`${t.baseUrl}/v1/audit/export?actor=bob`, { headers: { authorization: `Bearer ${auditor}` } });
    const text = await res.text();
    const file = join(tmp, 'bob.ndjson');
    await writeFile(file, text);
    const { stdout } = await run(process.execPath, [CLI, 'audit', 'verify', '--file', file], { env: env() });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, events: 2, streams: 1, file: { complete: false } });
    expect(JSON.parse(text.trim().split('\n').pop()!)).toEqual({ kind: 'export-summary', count: 2, streams: 1 });
  });

  it('verifies the database: over HTTP and from the CLI', async () => {
    const r = await get<{ ok: boolean; streams: number; events: number; broken: unknown[] }>('/v1/audit/verify');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, streams: 2, events: 5, broken: [] });
    const { stdout } = await run(process.execPath, [CLI, 'audit', 'verify'], { env: env() });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, streams: 2, events: 5 });
  });

  it('replays the read models as recorded at an instant into a separate schema, leaving the live ones alone', async () => {
    const until = new Date(Date.parse(mid(history[2].recordedAt, history[3].recordedAt)));
    // The live calendar filled first (the api role runs no worker: the test drives it), so the
    // comparison below is between real rows, not an empty table and itself.
    const calendar = t.app.get(ProjectionRegistry).get('calendar')!;
    await waitFor('the calendar projection to apply the five events', async () => {
      await t.app.get(ProjectionRunner).catchUp(calendar);
      const [row] = await t.db.dataSource.query('SELECT count(*)::int AS n FROM calendar_events WHERE id = $1 AND version = 4', [id]);
      return row.n === 1;
    });
    const liveBefore = await t.db.dataSource.query('SELECT id, version, status FROM calendar_events ORDER BY id');
    expect(liveBefore).toEqual(
      [
        { id: otherId, version: 1, status: 'scheduled' },
        { id, version: 4, status: 'cancelled' },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    const historyBefore = await t.db.dataSource.query('SELECT id, version, valid_to FROM calendar_history ORDER BY id, version');
    expect(historyBefore).toHaveLength(5);
    const report = await t.app.get(ReplayService).replay({ until });
    try {
      expect(report.schema).toMatch(/^replay_\d{14}_\d{14}$/);
      expect(report).toMatchObject({ projections: ['calendar', 'calendar-history'], events: 4 });
      const rows: { id: string; version: number; status: string; title: string }[] = await t.db.dataSource.query(`SELECT id, version, status, title FROM ${report.schema}.calendar_events ORDER BY id`);
      expect(rows.find((r) => r.id === id)).toEqual({ id, version: 3, status: 'scheduled', title: 'Asia-Pacific youth forum' });
      const versions: { version: number; valid_to: Date | null }[] = await t.db.dataSource.query(`SELECT version, valid_to FROM ${report.schema}.calendar_history WHERE id = $1 ORDER BY version`, [
        id,
      ]);
      expect(versions.map((v) => [v.version, v.valid_to?.toISOString() ?? null])).toEqual([
        [1, history[1].recordedAt],
        [2, history[2].recordedAt],
        [3, null],
      ]);
      expect(await t.db.dataSource.query('SELECT id, version, status FROM calendar_events ORDER BY id')).toEqual(liveBefore);
      expect(await t.db.dataSource.query('SELECT id, version, valid_to FROM calendar_history ORDER BY id, version')).toEqual(historyBefore);
    } finally {
      await t.db.dataSource.query(`DROP SCHEMA ${report.schema} CASCADE`);
    }
  });

  it('the calendar-history projection rebuilds from the log into the same rows', async () => {
    const report = await t.app.get(ProjectionRebuilder).rebuild('calendar-history', { verify: true });
    expect(report).toMatchObject({ projection: 'calendar-history', verified: true, differences: [] });
    expect(await t.db.dataSource.query('SELECT count(*)::int AS n FROM calendar_history')).toEqual([{ n: 5 }]);
  });

  it('`cli replay --until` prints the schema and how to query it', async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'replay', '--until', history[0].recordedAt, '--schema', 'replay_cli_test'], { env: env() });
    const report = JSON.parse(stdout) as { schema: string; events: number; tables: string[] };
    expect(report).toMatchObject({ schema: 'replay_cli_test', events: 2, tables: ['replay_cli_test.calendar_events', 'replay_cli_test.calendar_history'] });
    expect(stderr).toMatch(/SELECT \* FROM replay_cli_test\.calendar_events/);
    const rows: { version: number }[] = await t.db.dataSource.query('SELECT version FROM replay_cli_test.calendar_events WHERE id = $1', [id]);
    expect(rows).toEqual([{ version: 1 }]);
    await t.db.dataSource.query('DROP SCHEMA replay_cli_test CASCADE');
  });
});
