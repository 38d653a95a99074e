import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';

const CLI = resolve(__dirname, '../../dist/cli/main.js');

interface Status {
  name: string;
  state: string;
  checkpoint: { position: string };
  head: string;
  lag: { events: number; seconds: number };
  generation: number;
  lastError: string | null;
}

describe('operating projections', () => {
  let t: TestApp;
  let admin: string;
  let staff: string;

  beforeAll(async () => {
    t = await startTestApp('projadmin', {}, 'all');
    admin = await t.token('root', 'admin');
    staff = await t.token('alice', 'staff');
  });
  afterAll(() => t.close());

  const calendarStatus = async () => (await http<{ items: Status[] }>(t.baseUrl, 'GET', '/v1/admin/projections', { token: admin })).body.items.find((p) => p.name === 'calendar')!;

  it('lists each projection with checkpoint, head, lag and state; admin only', async () => {
    const made = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: { title: `Forum ${i}`, location: { city: 'Seoul', country: 'KR' }, start: { date: '2033-01-10' }, end: { date: '2033-01-11' } } }),
      ),
    );
    const last = Math.max(...made.map((r) => Number(r.headers.get('x-log-position'))));
    const status = await waitFor('the calendar to catch up', async () => {
      const s = await calendarStatus();
      return s.lag.events === 0 && Number(s.checkpoint.position) >= last ? s : undefined;
    });
    expect(status).toMatchObject({ state: 'running', head: String(last), lag: { events: 0, seconds: 0 }, lastError: null });
    expect((await http(t.baseUrl, 'GET', '/v1/admin/projections', { token: staff })).status).toBe(403);
    expect((await http(t.baseUrl, 'GET', '/v1/admin/projections')).status).toBe(401);
  });

  it('POST …/rebuild answers 202, a worker rebuilds and swaps while reads keep working', async () => {
    const before = await calendarStatus();
    const r = await http<{ jobId: string }>(t.baseUrl, 'POST', '/v1/admin/projections/calendar/rebuild', { token: admin });
    expect(r.status).toBe(202);
    const reads = await http<{ items: unknown[] }>(t.baseUrl, 'GET', '/v1/events?from=2033-01-01&to=2033-01-31');
    expect(reads.status).toBe(200);
    const after = await waitFor('the rebuild to swap', async () => {
      const s = await calendarStatus();
      return s.generation > before.generation && s.state === 'running' ? s : undefined;
    }, 30000);
    expect(after.checkpoint.position).toBe(after.head);
    const list = await http<{ items: unknown[] }>(t.baseUrl, 'GET', '/v1/events?from=2033-01-01&to=2033-01-31');
    expect(list.body.items).toHaveLength(5);
    expect((await http(t.baseUrl, 'POST', '/v1/admin/projections/nope/rebuild', { token: admin })).status).toBe(404);
  });

  it('`cli projections rebuild calendar --verify` rebuilds from a terminal and reports no differences', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'projections', 'rebuild', 'calendar', '--verify'], {
      env: { ...process.env, DATABASE_URL: t.config.DATABASE_URL, REDIS_URL: t.config.REDIS_URL, QUEUE_PREFIX: t.config.QUEUE_PREFIX, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    });
    const report = JSON.parse(stdout) as { projection: string; verified: boolean; differences: unknown[]; events: number };
    expect(report).toMatchObject({ projection: 'calendar', verified: true, differences: [] });
    expect(report.events).toBeGreaterThanOrEqual(5);
  });
});
