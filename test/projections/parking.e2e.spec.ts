import type { Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { isoInstant } from '../../src/modules/scheduling/domain/time';
import { DueJob, DueJobPayload } from '../../src/modules/reminders/jobs/due.job';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';

interface Parked {
  stream: string;
  position: string;
  error: string;
  since: string;
}
interface Status {
  name: string;
  state: string;
  checkpoint: { position: string };
  head: string;
  generation: number;
  parked: Parked[];
}
interface EventBody {
  id: string;
  title: string;
  startsAt: string;
  version: number;
}

const body = (title: string) => ({ title, location: { city: 'Seoul', country: 'KR' }, start: { date: '2034-03-10' }, end: { date: '2034-03-11' } });

describe('one bad event parks one stream, not the calendar', () => {
  let t: TestApp;
  let admin: string;
  let staff: string;
  let auditor: string;

  beforeAll(async () => {
    t = await startTestApp('parking', {}, 'all');
    admin = await t.token('root', 'admin');
    staff = await t.token('alice', 'staff');
    auditor = await t.token('audrey', 'auditor');
  });
  afterAll(() => t.close());

  const status = async (name: string) => (await http<{ items: Status[] }>(t.baseUrl, 'GET', '/v1/admin/projections', { token: admin })).body.items.find((p) => p.name === name)!;
  const schedule = async (title: string) => {
    const r = await http<EventBody>(t.baseUrl, 'POST', '/v1/events', { token: staff, body: body(title) });
    expect(r.status).toBe(201);
    return { id: r.body.id, position: r.headers.get('x-log-position')! };
  };
  const read = (id: string, minPosition?: string) => http<EventBody>(t.baseUrl, 'GET', `/v1/events/${id}`, { headers: minPosition ? { 'x-min-log-position': minPosition } : {} });

  it('a failed/parked projection is visible over HTTP with its error and position; other streams go on; skip clears it, audited; a rebuild gives the same view', async () => {
    const victim = await schedule('Victim');
    expect((await read(victim.id, victim.position)).status).toBe(200);

    // Behind the app, as the owner of the database: an event the calendar projection cannot apply
    // (PostgreSQL has no year 0), as a version without today's limits could have written it.
    const poison = await t.app
      .get(PostgresEventStore)
      .append(`calendar-event-${victim.id}`, 1, [{ type: 'EventRescheduled', data: { start: { date: '0000-01-01' }, end: { date: '0000-01-01' }, timeZone: 'UTC', reason: null } }], {
        actor: 'owner',
        correlationId: 'poison',
        causationId: 'poison',
      });

    // Every other stream's writes still show up, read-your-writes included.
    const other = await schedule('Other');
    const got = await read(other.id, other.position);
    expect(got.status).toBe(200);
    expect(got.body.title).toBe('Other');
    expect(got.headers.get('warning')).toBeNull();

    // The parked stream is listed with its error and position, the projection still running.
    const calendar = await waitFor('the calendar to park the stream', async () => {
      const s = await status('calendar');
      return s.parked.length ? s : undefined;
    });
    expect(calendar.state).toBe('running');
    expect(calendar.parked).toEqual([
      {
        stream: `calendar-event-${victim.id}`,
        position: poison.position,
        type: 'EventRescheduled',
        version: 2,
        error: expect.stringMatching(/out of range/),
        since: expect.any(String),
        retriedAt: null,
        transactionId: expect.any(String),
      },
    ]);
    const history = await waitFor('the history to park it too', async () => {
      const s = await status('calendar-history');
      return s.parked.length ? s : undefined;
    });
    expect(history.parked[0].position).toBe(poison.position);
    // The first scrape takes the snapshot it answers from (later ones refresh it every METRICS_SNAPSHOT_SECONDS, 15 s).
    const metrics = await http(t.baseUrl, 'GET', '/metrics');
    expect(metrics.text).toMatch(/almanac_projection_parked_streams\{projection="calendar"\} 1/);

    // A later write to the parked stream is accepted; its read says the view is not current.
    const renamed = await http<EventBody>(t.baseUrl, 'PATCH', `/v1/events/${victim.id}`, { token: staff, body: { title: 'Victim renamed' } });
    expect(renamed.status).toBe(200);
    const stale = await read(victim.id, renamed.headers.get('x-log-position')!);
    expect(stale.status).toBe(200);
    expect(stale.body.title).toBe('Victim');
    expect(stale.headers.get('warning')).toContain(`parked: the calendar view stops before log position ${poison.position}`);
    // Listings and the feed say so too: the page that lists it names it, one that does not stays quiet.
    const window = 'from=2034-03-01T00:00:00Z&to=2034-04-01T00:00:00Z';
    const listing = await http<{ items: EventBody[] }>(t.baseUrl, 'GET', `/v1/events?${window}`);
    expect(listing.body.items.map((i) => i.title).sort()).toEqual(['Other', 'Victim']);
    expect(listing.headers.get('warning')).toBe(`199 - "parked: the calendar view could not apply an event of 1 listed event(s) (${victim.id}); they may be out of date"`);
    const otherOnly = await http<{ items: EventBody[] }>(t.baseUrl, 'GET', `/v1/events?${window}&q=Other`);
    expect(otherOnly.body.items.map((i) => i.title)).toEqual(['Other']);
    expect(otherOnly.headers.get('warning')).toBeNull();
    expect((await http(t.baseUrl, 'GET', `/v1/calendar.ics?${window}`)).headers.get('warning')).toContain('parked: the calendar view could not apply an event of 1 event(s)');

    // A retry without a fix keeps it parked, saying why; a skip of another position is a 409.
    const retried = await http<{ items: { stream: string; parked: { position: string } | null }[] }>(t.baseUrl, 'POST', '/v1/admin/projections/calendar/retry', { token: admin });
    expect(retried.status).toBe(200);
    expect(retried.body.items).toEqual([{ stream: `calendar-event-${victim.id}`, applied: 0, parked: { position: poison.position, error: expect.stringMatching(/out of range/) } }]);
    expect((await http(t.baseUrl, 'POST', '/v1/admin/projections/calendar/skip', { token: admin, body: { position: other.position, reason: 'x' } })).status).toBe(409);
    expect((await http(t.baseUrl, 'POST', '/v1/admin/projections/calendar/skip', { token: staff, body: { position: poison.position, reason: 'x' } })).status).toBe(403);

    // Skip: the calendar passes over that one event, the stream resumes with the rename.
    const skip = await http<{ decision: { position: string }; resumed: { applied: number; parked: unknown } }>(t.baseUrl, 'POST', '/v1/admin/projections/calendar/skip', {
      token: admin,
      body: { position: poison.position, reason: 'year 0000 written by a bad import' },
    });
    expect(skip.status).toBe(200);
    expect(skip.body.resumed).toMatchObject({ applied: 1, parked: null });
    expect((await status('calendar')).parked).toEqual([]);
    const current = await read(victim.id);
    expect(current.body).toMatchObject({ title: 'Victim renamed', version: 3 });
    expect(current.headers.get('warning')).toBeNull();
    expect((await http(t.baseUrl, 'GET', '/v1/events?from=2034-03-01T00:00:00Z&to=2034-04-01T00:00:00Z')).headers.get('warning')).toBeNull();
    expect((await http(t.baseUrl, 'GET', '/v1/calendar.ics?from=2034-03-01T00:00:00Z&to=2034-04-01T00:00:00Z')).headers.get('warning')).toBeNull();

    // The decision is in the log, with the admin as actor.
    const log = await http<{ items: { type: string; data: Record<string, unknown>; metadata: { actor: string }; position: string }[] }>(t.baseUrl, 'GET', '/v1/audit/log?type=ProjectionEventSkipped', {
      token: auditor,
    });
    expect(log.body.items).toEqual([
      expect.objectContaining({
        position: skip.body.decision.position,
        data: { projection: 'calendar', position: poison.position, streamId: `calendar-event-${victim.id}`, reason: 'year 0000 written by a bad import' },
        metadata: expect.objectContaining({ actor: 'root' }),
      }),
    ]);

    // A rebuild honours the decision: the same view, nothing parked.
    const before = await status('calendar');
    expect((await http(t.baseUrl, 'POST', '/v1/admin/projections/calendar/rebuild', { token: admin })).status).toBe(202);
    await waitFor(
      'the rebuild to swap',
      async () => {
        const s = await status('calendar');
        return s.generation > before.generation && s.state === 'running' ? s : undefined;
      },
      30000,
    );
    expect((await status('calendar')).parked).toEqual([]);
    const rebuilt = await read(victim.id);
    expect(rebuilt.body).toEqual(current.body);
    expect((await read(other.id)).body).toEqual(got.body);
  });

  it('a stream parked in the reminder plan plans nothing more and sends nothing: its due reminder is dropped', async () => {
    const store = t.app.get(PostgresEventStore);
    const sub = randomUUID();
    const sealed = { ciphertext: 'x', iv: 'x', tag: 'x' };
    await store.append(
      `subscription-${sub}`,
      0,
      [
        { type: 'SubscriptionRequested', data: { email: sealed, name: null, countries: [], programmes: [], eventIds: [], leadTimes: ['P1D'], locale: 'en' } },
        { type: 'SubscriptionConfirmed', data: {} },
      ],
      { actor: 'test', correlationId: sub, causationId: sub },
    );
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const r = await http<EventBody>(t.baseUrl, 'POST', '/v1/events', { token: staff, body: { ...body('Reminded'), start: { date: day }, end: { date: day } } });
    expect(r.status).toBe(201);
    const id = r.body.id;
    const plan = await waitFor('the reminder to be planned', async () => {
      const rows: { due_at: Date; start_at: Date; status: string }[] = await t.db.dataSource.query(`SELECT due_at, start_at, status FROM reminder_plan WHERE event_id = $1 AND lead_time = 'P1D'`, [
        id,
      ]);
      return rows[0];
    });
    // A shape no version of the domain reads: the plan cannot time it.
    const poison = await store.append(
      `calendar-event-${id}`,
      1,
      [{ type: 'EventRescheduled', data: { start: { date: 'next Tuesday' }, end: { date: 'next Tuesday' }, timeZone: 'UTC', reason: null } }],
      { actor: 'owner', correlationId: 'p', causationId: 'p' },
    );
    const parked = await waitFor('the plan to park the stream', async () => (await status('reminder-plan')).parked.find((p) => p.stream === `calendar-event-${id}`));
    expect(parked.position).toBe(poison.position);
    // The plan still holds the old start; the job that falls due for it sends nothing.
    const job = { data: { eventId: id, leadTime: 'P1D', startAt: isoInstant(plan.start_at), dueAt: isoInstant(plan.due_at) } } as Job<DueJobPayload>;
    expect(await t.app.get(DueJob).handle(job)).toMatch(/^parked/);
  });
});
