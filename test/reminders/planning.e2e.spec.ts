import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { EventStore } from '../../src/events/event-store.port';
import { JOBS } from '../../src/jobs/catalog';
import { ProjectionRebuilder } from '../../src/projections/projection.rebuilder';
import { dueJobId, noticeJobId } from '../../src/modules/reminders/domain/notifications';
import { ReminderScheduler } from '../../src/modules/reminders/planning/reminder.scheduler';
import { subscriptionStream } from '../../src/modules/subscriptions/domain/events';
import { TestApp, http, startTestApp } from '../support/app';
import { waitFor } from '../support/wait';

interface PlanRow {
  lead_time: string;
  due_at: Date;
  start_at: Date;
  event_version: number;
  status: string;
}

/**
 * The 'reminder-plan' projection and its after-commit jobs, without email: subscriptions are
 * appended to the log directly (their personal data is irrelevant to planning).
 */
describe('reminder planning', () => {
  let t: TestApp;
  let staff: string;
  let store: EventStore;
  let queue: Queue;

  beforeAll(async () => {
    t = await startTestApp('reminder_plan', {}, 'all');
    staff = await t.token('alice', 'staff');
    store = t.app.get(EventStore);
    queue = t.app.get<Queue>(getQueueToken('reminders'));
  });
  afterAll(() => t.close());

  const sealed = { ciphertext: 'x', iv: 'x', tag: 'x' };
  const meta = (id: string) => ({ actor: 'test', correlationId: id, causationId: id });
  async function subscribe(leadTimes: string[], confirm: boolean): Promise<string> {
    const id = randomUUID();
    const data = { email: sealed, name: null, countries: [], programmes: [], eventIds: [], leadTimes, locale: 'en' };
    await store.append(subscriptionStream(id), 0, [{ type: 'SubscriptionRequested', data }], meta(id));
    if (confirm) await store.append(subscriptionStream(id), 1, [{ type: 'SubscriptionConfirmed', data: {} }], meta(id));
    return id;
  }
  const confirm = (id: string) => store.append(subscriptionStream(id), 1, [{ type: 'SubscriptionConfirmed', data: {} }], meta(id));
  const rows = (eventId: string): Promise<PlanRow[]> =>
    t.db.dataSource.query('SELECT lead_time, due_at, start_at, event_version, status FROM reminder_plan WHERE event_id = $1 ORDER BY lead_time', [eventId]);
  const write = async (method: string, path: string, body: unknown) => {
    const r = await http<{ id: string; version: number; startsAt: string }>(t.baseUrl, method, path, { token: staff, body });
    expect(r.status).toBeLessThan(300);
    return r.body;
  };

  it('plans one row per event and lead time in use, moves them on reschedule, cancels them on cancel', async () => {
    await subscribe(['PT5M', 'P1D'], true);
    await subscribe(['P1D'], true);
    const pending = await subscribe(['PT1H'], false);

    const e = await write('POST', '/v1/events', {
      title: 'Forum',
      description: '',
      programme: 'culture',
      location: { city: 'Seoul', country: 'KR' },
      start: { dateTime: '2031-01-10T10:00' },
      end: { dateTime: '2031-01-10T12:00' },
    });
    const planned = await waitFor('plan rows', async () => ((await rows(e.id)).length === 2 ? rows(e.id) : null));
    expect(planned.map((r) => [r.lead_time, r.due_at.toISOString(), r.status])).toEqual([
      ['P1D', '2031-01-09T01:00:00.000Z', 'planned'],
      ['PT5M', '2031-01-10T00:55:00.000Z', 'planned'],
    ]);
    // One delayed job per (event, lead time), not per subscriber.
    const job = await waitFor('due job', () => queue.getJob(dueJobId(e.id, 'PT5M', '2031-01-10T01:00:00Z')));
    expect(job.name).toBe(JOBS.reminders.due);
    expect(await job.getState()).toBe('delayed');
    expect(job.opts.delay).toBeGreaterThan(24 * 3600_000);

    // Confirming a subscription with a new lead time plans it for events still ahead.
    await confirm(pending);
    await waitFor('PT1H planned', async () => (await rows(e.id)).some((r) => r.lead_time === 'PT1H'));

    await write('POST', `/v1/events/${e.id}/reschedule`, { start: { dateTime: '2031-01-11T10:00' }, end: { dateTime: '2031-01-11T12:00' }, reason: 'venue' });
    const moved = await waitFor('moved rows', async () => ((await rows(e.id)).every((r) => r.event_version === 2) ? rows(e.id) : null));
    expect(moved.map((r) => [r.lead_time, r.due_at.toISOString(), r.start_at.toISOString()])).toEqual([
      ['P1D', '2031-01-10T01:00:00.000Z', '2031-01-11T01:00:00.000Z'],
      ['PT1H', '2031-01-11T00:00:00.000Z', '2031-01-11T01:00:00.000Z'],
      ['PT5M', '2031-01-11T00:55:00.000Z', '2031-01-11T01:00:00.000Z'],
    ]);
    await waitFor('new due job', () => queue.getJob(dueJobId(e.id, 'PT5M', '2031-01-11T01:00:00Z')));
    // The jobs of the old start are removed (their id carries the start).
    await waitFor('old due jobs removed', async () => (await Promise.all(['PT5M', 'P1D', 'PT1H'].map((l) => queue.getJob(dueJobId(e.id, l, '2031-01-10T01:00:00Z'))))).every((j) => !j));
    const notice = await waitFor('updated notice job', () => queue.getJob(noticeJobId(e.id, 2)));
    expect(notice.data).toMatchObject({ eventId: e.id, version: 2, kind: 'updated', startAt: '2031-01-11T01:00:00Z' });

    // A description change is not worth an email; a title change is.
    await write('PATCH', `/v1/events/${e.id}`, { description: 'More' });
    await write('PATCH', `/v1/events/${e.id}`, { title: 'Forum 2031' });
    await waitFor('title notice job', () => queue.getJob(noticeJobId(e.id, 4)));
    expect(await queue.getJob(noticeJobId(e.id, 3))).toBeUndefined();

    await write('POST', `/v1/events/${e.id}/cancel`, { reason: 'postponed' });
    await waitFor('cancelled rows', async () => (await rows(e.id)).every((r) => r.status === 'cancelled'));
    const cancelled = await waitFor('cancel notice job', () => queue.getJob(noticeJobId(e.id, 5)));
    expect(cancelled.data).toMatchObject({ kind: 'cancelled', version: 5 });
    await waitFor('due jobs removed', async () => (await Promise.all(['PT5M', 'P1D', 'PT1H'].map((l) => queue.getJob(dueJobId(e.id, l, '2031-01-11T01:00:00Z'))))).every((j) => !j));
  });

  it('a lead time stops being planned when its last subscriber leaves or changes it, and not before', async () => {
    const leadTimes = async () =>
      (await t.db.dataSource.query('SELECT lead_time, subscribers FROM reminder_lead_times WHERE subscribers > 0 ORDER BY 1')) as { lead_time: string; subscribers: number }[];
    const schedule = (day: string) =>
      write('POST', '/v1/events', {
        title: 'Forum',
        description: '',
        programme: 'culture',
        location: { city: 'Seoul', country: 'KR' },
        start: { dateTime: `${day}T10:00` },
        end: { dateTime: `${day}T12:00` },
      });
    const a = await subscribe(['PT2H'], true);
    const b = await subscribe(['PT2H', 'PT3H'], true);
    const inUse = (e: { id: string }) => waitFor('planned', async () => (await t.db.dataSource.query('SELECT 1 FROM reminder_plan WHERE event_id = $1', [e.id])).length > 0 && rows(e.id));
    await waitFor('counted', async () => (await leadTimes()).some((r) => r.lead_time === 'PT3H'));
    expect((await leadTimes()).filter((r) => ['PT2H', 'PT3H'].includes(r.lead_time))).toEqual([
      { lead_time: 'PT2H', subscribers: 2 },
      { lead_time: 'PT3H', subscribers: 1 },
    ]);

    // b drops PT3H (its only user) and a leaves: PT2H still has b.
    await store.append(subscriptionStream(b), 2, [{ type: 'SubscriptionPreferencesChanged', data: { leadTimes: ['PT2H'] } }], meta(b));
    await store.append(subscriptionStream(a), 2, [{ type: 'Unsubscribed', data: { reason: 'test' } }], meta(a));
    await waitFor('recounted', async () => {
      const now = await leadTimes();
      if (!now.some((r) => r.lead_time === 'PT3H') && now.find((r) => r.lead_time === 'PT2H')?.subscribers === 1) return true;
      throw new Error(`${JSON.stringify(now)}; ${JSON.stringify(await t.db.dataSource.query('SELECT name, state, last_error FROM projection_checkpoints'))}`);
    });
    const ev1 = await schedule('2031-04-01');
    const e1 = await inUse(ev1);
    expect(e1.map((r) => r.lead_time)).toContain('PT2H');
    expect(e1.map((r) => r.lead_time)).not.toContain('PT3H');

    // b takes PT3H back: it comes into use again and is planned for events still ahead.
    await store.append(subscriptionStream(b), 3, [{ type: 'SubscriptionPreferencesChanged', data: { leadTimes: ['PT2H', 'PT3H'] } }], meta(b));
    await waitFor('PT3H planned again', async () => (await rows(ev1.id)).some((r) => r.lead_time === 'PT3H'));
  });

  it('an all-day event is reminded at 09:00 local time', async () => {
    const e = await write('POST', '/v1/events', {
      title: 'Celebration',
      description: '',
      programme: 'culture',
      location: { city: 'Ulaanbaatar', country: 'MN' },
      start: { date: '2031-02-03' },
      end: { date: '2031-02-04' },
    });
    const planned = await waitFor('plan rows', async () => ((await rows(e.id)).length >= 3 ? rows(e.id) : null));
    const p1d = planned.find((r) => r.lead_time === 'P1D')!;
    expect(p1d.due_at.toISOString()).toBe('2031-02-02T01:00:00.000Z'); // 09:00 in Asia/Ulaanbaatar (UTC+8)
  });

  it('re-adds a lost job (safety net) and a rebuild plans the same rows and adds no job', async () => {
    const e = await write('POST', '/v1/events', {
      title: 'Conference',
      description: '',
      programme: 'education',
      location: { city: 'Tokyo', country: 'JP' },
      start: { dateTime: '2031-03-01T09:00' },
      end: { dateTime: '2031-03-01T17:00' },
    });
    const id = dueJobId(e.id, 'PT5M', '2031-03-01T00:00:00Z');
    await waitFor('due job', () => queue.getJob(id));
    // Lost after commit (Redis down, crash): the sweep brings it back, only for rows within its horizon.
    await (await queue.getJob(id))!.remove();
    const scheduler = t.app.get(ReminderScheduler);
    await scheduler.sweep(new Date('2031-02-28T12:00:00Z'));
    expect(await queue.getJob(id)).toBeDefined();

    const before = await t.db.dataSource.query('SELECT * FROM reminder_plan ORDER BY event_id, lead_time');
    const counts = await queue.getJobCounts();
    const report = await t.app.get(ProjectionRebuilder).rebuild('reminder-plan', { verify: true });
    expect(report.differences).toEqual([]);
    expect(await t.db.dataSource.query('SELECT * FROM reminder_plan ORDER BY event_id, lead_time')).toEqual(before);
    expect(await queue.getJobCounts()).toEqual(counts);
  });
});
