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
const requested = (id: string, leadTimes: string[]) => subscription(id, 'SubscriptionRequested', { email: sealed, name: null, countries: [], programmes: [], eventIds: [], leadTimes, locale: 'en' });
/** A confirmed subscriber reminded `leadTimes` before every event. */
const subscriber = (leadTimes: string[], confirmedAt?: string): SpecEvent[] => {
  const id = randomUUID();
  return [requested(id, leadTimes), subscription(id, 'SubscriptionConfirmed', {}, confirmedAt)];
};

const calendar = (id: string, type: string, data: object, recordedAt?: string): SpecEvent => ({ streamId: calendarEventStream(id), type, data, recordedAt });
// 10:00 in Seoul is 01:00Z.
const scheduled = (id: string, dateTime = '2026-03-10T10:00', recordedAt?: string) =>
  calendar(
    id,
    'EventScheduled',
    {
      title: 'Forum',
      description: '',
      programme: null,
      location: { city: 'Seoul', country: 'KR', venue: null },
      timeZone: 'Asia/Seoul',
      start: { dateTime },
      end: { dateTime: dateTime.replace('T10', 'T12') },
    },
    recordedAt,
  );
const rescheduled = (id: string, dateTime: string) =>
  calendar(id, 'EventRescheduled', { start: { dateTime }, end: { dateTime: dateTime.replace('T10', 'T12') }, timeZone: 'Asia/Seoul', reason: null });

const PLAN = `SELECT event_id, lead_time, due_at, start_at, event_version, status, replaced_start_at FROM reminder_plan ORDER BY event_id, lead_time`;
const NOTICES = 'SELECT event_id, event_version, kind, start_at FROM reminder_notices ORDER BY event_id, event_version';

describe('reminder-plan projection', () => {
  describe('a recurring series', () => {
    // Weekly on Tuesdays at 10:00 Seoul (01:00Z) from 6 January 2026, scheduled at 00:03Z on
    // 1 January (after the subscriber's two events): its horizon runs to 2 February 00:03Z
    // (P30D + 2 days), so 6, 13, 20 and 27 January are planned and 3 February is not yet.
    const weekly = (id: string, recurrence = ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10']) => ({
      ...scheduled(id, '2026-01-06T10:00'),
      data: { ...scheduled(id, '2026-01-06T10:00').data, recurrence },
    });
    const SERIES_PLAN = `SELECT occurrence, lead_time, due_at, start_at, event_version, status, replaced_start_at FROM reminder_plan ORDER BY occurrence, lead_time`;
    const SERIES_NOTICES = 'SELECT event_version, kind, start_at, ends_at, occurrence FROM reminder_notices ORDER BY event_version';
    const row = (day: string, over: object = {}) => ({
      occurrence: `2026-01-${day}T10:00:00`,
      lead_time: 'PT1H',
      due_at: new Date(`2026-01-${day}T00:00:00Z`),
      start_at: new Date(`2026-01-${day}T01:00:00Z`),
      event_version: 1,
      status: 'planned',
      replaced_start_at: null,
      ...over,
    });

    it('plans each instance within the rolling horizon (longest lead time plus margin), none beyond it', async () => {
      const id = randomUUID();
      await spec
        .given(...subscriber(['PT1H']))
        .when(weekly(id))
        .then(async ({ rows }) => {
          expect(await rows(SERIES_PLAN)).toEqual([row('06'), row('13'), row('20'), row('27')]);
          expect(await rows('SELECT status, horizon_until FROM reminder_events')).toEqual([{ status: 'series', horizon_until: new Date('2026-02-02T00:03:00Z') }]);
          expect(await rows(NOTICES)).toEqual([]);
        });
    });

    it('an instance moved moves its own rows; one cancelled cancels its own and records a notice for that date only', async () => {
      const id = randomUUID();
      await spec
        .given(...subscriber(['PT1H']), weekly(id))
        .when(
          calendar(id, 'OccurrenceRescheduled', { originalStart: { dateTime: '2026-01-13T10:00:00' }, start: { dateTime: '2026-01-14T15:00' }, end: { dateTime: '2026-01-14T16:00' }, reason: null }),
          calendar(id, 'OccurrenceCancelled', { originalStart: { dateTime: '2026-01-20T10:00:00' }, reason: 'holiday' }),
        )
        .then(async ({ rows }) => {
          expect(await rows(SERIES_PLAN)).toEqual([
            row('06'),
            row('13', { due_at: new Date('2026-01-14T05:00:00Z'), start_at: new Date('2026-01-14T06:00:00Z'), event_version: 2, replaced_start_at: new Date('2026-01-13T01:00:00Z') }),
            row('20', { status: 'cancelled', event_version: 3 }),
            row('27'),
          ]);
          expect(await rows(SERIES_NOTICES)).toEqual([
            { event_version: 2, kind: 'updated', start_at: new Date('2026-01-14T06:00:00Z'), ends_at: new Date('2026-01-14T07:00:00Z'), occurrence: '2026-01-13T10:00:00' },
            { event_version: 3, kind: 'cancelled', start_at: new Date('2026-01-20T01:00:00Z'), ends_at: new Date('2026-01-20T03:00:00Z'), occurrence: '2026-01-20T10:00:00' },
          ]);
        });
    });

    it('a rule change drops the instances it no longer makes; cancelling the series cancels every row ahead and records one notice about the series', async () => {
      const id = randomUUID();
      await spec
        .given(...subscriber(['PT1H']), weekly(id))
        .when(
          calendar(id, 'RecurrenceChanged', { recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3'], reason: null }, '2026-01-02T00:00:00Z'),
          calendar(id, 'EventCancelled', { reason: 'ended' }, '2026-01-15T00:00:00Z'),
        )
        .then(async ({ rows }) => {
          // The 6th and 13th were behind the cancel (recorded on the 15th) and stay as they were.
          expect(await rows(SERIES_PLAN)).toEqual([row('06'), row('13'), row('20', { status: 'cancelled', event_version: 3 }), row('27', { status: 'cancelled', event_version: 2 })]);
          expect((await rows<{ kind: string; occurrence: string | null }>(SERIES_NOTICES)).map((n) => [n.kind, n.occurrence])).toEqual([
            ['updated', null],
            ['cancelled', null],
          ]);
        });
    });

    it('a lead time coming into use plans the instances between the confirmation and the horizon', async () => {
      const id = randomUUID();
      await spec
        .given(weekly(id))
        .when(...subscriber(['P1D'], '2026-01-10T00:00:00Z'))
        .thenRows(`SELECT occurrence, lead_time, due_at FROM reminder_plan ORDER BY occurrence`, [
          { occurrence: '2026-01-13T10:00:00', lead_time: 'P1D', due_at: new Date('2026-01-12T01:00:00Z') },
          { occurrence: '2026-01-20T10:00:00', lead_time: 'P1D', due_at: new Date('2026-01-19T01:00:00Z') },
          { occurrence: '2026-01-27T10:00:00', lead_time: 'P1D', due_at: new Date('2026-01-26T01:00:00Z') },
        ]);
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
          {
            event_id: id,
            lead_time: 'PT1H',
            due_at: new Date('2026-03-12T00:00:00Z'),
            start_at: new Date('2026-03-12T01:00:00Z'),
            event_version: 2,
            status: 'planned',
            replaced_start_at: new Date('2026-03-10T01:00:00Z'),
          },
        ]);
        expect(await rows(NOTICES)).toEqual([{ event_id: id, event_version: 2, kind: 'updated', start_at: new Date('2026-03-12T01:00:00Z') }]);
      });
  });

  it('in one batch: events scheduled together each get their row and plan, and a change after them in the batch finds them', async () => {
    const [moved, kept] = [randomUUID(), randomUUID()];
    await spec
      .given(...subscriber(['PT1H']))
      .when(scheduled(moved), scheduled(kept, '2026-03-11T10:00'), rescheduled(moved, '2026-03-12T10:00'))
      .then(async ({ rows }) => {
        expect(await rows('SELECT event_id, status, starts_at, version FROM reminder_events ORDER BY starts_at')).toEqual([
          { event_id: kept, status: 'scheduled', starts_at: new Date('2026-03-11T01:00:00Z'), version: 1 },
          { event_id: moved, status: 'scheduled', starts_at: new Date('2026-03-12T01:00:00Z'), version: 2 },
        ]);
        expect((await rows<{ event_id: string; due_at: Date }>('SELECT event_id, due_at FROM reminder_plan ORDER BY due_at')).map((r) => [r.event_id, r.due_at])).toEqual([
          [kept, new Date('2026-03-11T00:00:00Z')],
          [moved, new Date('2026-03-12T00:00:00Z')],
        ]);
      });
  });

  it('in one batch: a lead time a subscription brings into use plans the events scheduled after it', async () => {
    const [before, after] = [randomUUID(), randomUUID()];
    await spec
      .given(...subscriber(['PT1H']))
      .when(scheduled(before), ...subscriber(['P1D']), scheduled(after, '2026-03-11T10:00'))
      .then(async ({ rows }) => {
        expect((await rows<{ event_id: string; lead_time: string }>('SELECT event_id, lead_time FROM reminder_plan ORDER BY due_at')).map((r) => [r.event_id, r.lead_time])).toEqual([
          [before, 'P1D'],
          [before, 'PT1H'],
          [after, 'P1D'],
          [after, 'PT1H'],
        ]);
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
    await spec
      .given()
      .when(calendar(randomUUID(), 'EventCancelled', { reason: 'x' }))
      .thenThrows(/before EventScheduled/);
  });
});
