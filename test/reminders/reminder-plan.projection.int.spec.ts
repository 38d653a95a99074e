import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { ReminderPlanProjection } from '../../src/modules/reminders/planning/reminder-plan.projection';
import { ReminderScheduler } from '../../src/modules/reminders/planning/reminder.scheduler';
import { calendarEventStream } from '../../src/modules/scheduling/domain/events';
import { subscriptionStream } from '../../src/modules/subscriptions/domain/events';
import { ProjectionSpec, SpecEvent } from '../harness/projection-spec';
import { TestDatabase, createTestDatabase } from '../support/database';

let db: TestDatabase;
let spec: ReturnType<typeof ProjectionSpec.for>;
beforeAll(async () => {
  db = await createTestDatabase('reminder_plan_projection');
  // The queue is only used after commit, which a projection spec never reaches: no Redis here.
  const scheduler = new ReminderScheduler(db.dataSource, undefined as unknown as Queue);
  spec = ProjectionSpec.for(new ReminderPlanProjection(scheduler), () => db.dataSource);
});
afterAll(async () => {
  await db?.drop();
});

const sealed = { ciphertext: 'Y2lwaGVy', iv: 'aXY=', tag: 'dGFn' };
const subscription = (id: string, type: string, data: object = {}, recordedAt?: string): SpecEvent => ({ streamId: subscriptionStream(id), type, data, recordedAt });
const requested = (id: string, leadTimes: string[]) =>
  subscription(id, 'SubscriptionRequested', { email: sealed, name: null, countries: [], programmes: [], eventIds: [], leadTimes, locale: 'en' });
/** A confirmed subscriber reminded `leadTimes` before every event. */
const subscriber = (leadTimes: string[], confirmedAt?: string): SpecEvent[] => {
  const id = randomUUID();
  return [requested(id, leadTimes), subscription(id, 'SubscriptionConfirmed', {}, confirmedAt)];
};

const calendar = (id: string, type: string, data: object, recordedAt?: string): SpecEvent => ({ streamId: calendarEventStream(id), type, data, recordedAt });
// 10:00 in Seoul is 01:00Z.
const scheduled = (id: string, dateTime = '2026-03-10T10:00', recordedAt?: string) =>
  calendar(id, 'EventScheduled', {
    title: 'Forum', description: '', programme: null, location: { city: 'Seoul', country: 'KR', venue: null },
    timeZone: 'Asia/Seoul', start: { dateTime }, end: { dateTime: dateTime.replace('T10', 'T12') },
  }, recordedAt);
const rescheduled = (id: string, dateTime: string) =>
  calendar(id, 'EventRescheduled', { start: { dateTime }, end: { dateTime: dateTime.replace('T10', 'T12') }, timeZone: 'Asia/Seoul', reason: null });

const PLAN = `SELECT event_id, lead_time, due_at, start_at, event_version, status, replaced_start_at FROM reminder_plan ORDER BY event_id, lead_time`;
const NOTICES = 'SELECT event_id, event_version, kind, start_at FROM reminder_notices ORDER BY event_id, event_version';

describe('reminder-plan projection', () => {
  it('a recurring series plans no reminder and no notice, before or after a subscription, a reschedule, a change or a cancel (none per instance yet)', async () => {
    const id = randomUUID();
    const series = { ...scheduled(id), data: { ...scheduled(id).data, recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'] } };
    await spec
      .given(...subscriber(['PT1H']), series, rescheduled(id, '2026-03-11T10:00'), calendar(id, 'EventDetailsChanged', { title: 'Weekly forum' }))
      .when(calendar(id, 'EventCancelled', { reason: 'ended' }), ...subscriber(['P1D'], '2026-02-01T00:00:00Z'))
      .then(async ({ rows }) => {
        expect(await rows(PLAN)).toEqual([]);
        expect(await rows(NOTICES)).toEqual([]);
      });
  });

  it('plans one row per lead time in use by a confirmed subscription, due that long before the start', async () => {
    const id = randomUUID();
    await spec
      .given(...subscriber(['PT1H', 'P1D']))
      .when(scheduled(id))
      .then(async ({ rows }) => {
        expect(await rows(PLAN)).toEqual([
          { event_id: id, lead_time: 'P1D', due_at: new Date('2026-03-09T01:00:00Z'), start_at: new Date('2026-03-10T01:00:00Z'), event_version: 1, status: 'planned', replaced_start_at: null },
          { event_id: id, lead_time: 'PT1H', due_at: new Date('2026-03-10T00:00:00Z'), start_at: new Date('2026-03-10T01:00:00Z'), event_version: 1, status: 'planned', replaced_start_at: null },
        ]);
        expect(await rows(NOTICES)).toEqual([]);
      });
  });

  it('plans nothing for lead times of subscriptions not yet confirmed, or no longer active', async () => {
    const pending = randomUUID();
    const [left, confirmed] = subscriber(['PT5M']);
    const leftId = left.streamId.replace('subscription-', '');
    await spec
      .given(requested(pending, ['PT2H']), left, confirmed, subscription(leftId, 'Unsubscribed', { reason: 'one-click' }))
      .when(scheduled(randomUUID()))
      .then(async ({ rows }) => {
        expect(await rows(PLAN)).toEqual([]);
        expect(await rows('SELECT lead_time, subscribers FROM reminder_lead_times ORDER BY lead_time')).toEqual([{ lead_time: 'PT5M', subscribers: 0 }]);
      });
  });

  it('a confirmation plans the events still ahead as of its own recorded instant, so a rebuild plans the same rows', async () => {
    const [past, ahead] = [randomUUID(), randomUUID()];
    await spec
      .given(scheduled(past, '2026-01-20T10:00', '2026-01-01T00:00:00Z'), scheduled(ahead, '2026-03-10T10:00', '2026-01-01T00:01:00Z'))
      .when(...subscriber(['PT1H'], '2026-02-01T00:00:00Z'))
      .thenRows(`SELECT event_id, lead_time, due_at FROM reminder_plan`, [{ event_id: ahead, lead_time: 'PT1H', due_at: new Date('2026-03-10T00:00:00Z') }]);
  });

  it('a reschedule moves every row of the event, remembers the start it replaced, and records an "updated" notice', async () => {
    const id = randomUUID();
    await spec
      .given(...subscriber(['PT1H']), scheduled(id))
      .when(rescheduled(id, '2026-03-12T10:00'))
      .then(async ({ rows }) => {
        expect(await rows(PLAN)).toEqual([
          { event_id: id, lead_time: 'PT1H', due_at: new Date('2026-03-12T00:00:00Z'), start_at: new Date('2026-03-12T01:00:00Z'), event_version: 2, status: 'planned', replaced_start_at: new Date('2026-03-10T01:00:00Z') },
        ]);
        expect(await rows(NOTICES)).toEqual([{ event_id: id, event_version: 2, kind: 'updated', start_at: new Date('2026-03-12T01:00:00Z') }]);
      });
  });

  it('a cancellation cancels every row of the event and records a "cancelled" notice', async () => {
    const id = randomUUID();
    await spec
      .given(...subscriber(['PT1H', 'P1D']), scheduled(id))
      .when(calendar(id, 'EventCancelled', { reason: 'storm' }))
      .then(async ({ rows }) => {
        expect((await rows<{ status: string; event_version: number }>(PLAN)).map((r) => [r.status, r.event_version])).toEqual([
          ['cancelled', 2],
          ['cancelled', 2],
        ]);
        expect(await rows(NOTICES)).toEqual([{ event_id: id, event_version: 2, kind: 'cancelled', start_at: new Date('2026-03-10T01:00:00Z') }]);
      });
  });

  it('a new title or place is worth a notice; a new description is not', async () => {
    const id = randomUUID();
    await spec
      .given(...subscriber(['PT1H']), scheduled(id))
      .when(calendar(id, 'EventDetailsChanged', { description: 'More detail.' }), calendar(id, 'EventDetailsChanged', { title: 'Renamed forum' }))
      .then(async ({ rows }) => {
        expect(await rows(NOTICES)).toEqual([{ event_id: id, event_version: 3, kind: 'updated', start_at: new Date('2026-03-10T01:00:00Z') }]);
        expect(await rows('SELECT version FROM reminder_events')).toEqual([{ version: 3 }]);
      });
  });

  it('refuses a change to an event it never saw scheduled', async () => {
    await spec.given().when(calendar(randomUUID(), 'EventCancelled', { reason: 'x' })).thenThrows(/before EventScheduled/);
  });
});
