import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../../events/envelope';
import { RegisterProjection } from '../../../projections/projection.decorator';
import type { Projection, ProjectionContext } from '../../../projections/projection';
import { CalendarEventState, evolve, initialState, occurrenceOf, seriesEnd } from '../../scheduling/domain/calendar-event';
import { CALENDAR_EVENT_STREAM_PREFIX, CALENDAR_EVENT_TYPES, CalendarEventEvent } from '../../scheduling/domain/events';
import { occurrenceKey } from '../../scheduling/domain/recurrence';
import { EventTime, toInstants } from '../../scheduling/domain/time';
import { SUBSCRIPTION_STREAM_PREFIX, SubscriptionEvent } from '../../subscriptions/domain/events';
import { REMINDER_HORIZON_EXTENDED, REMINDER_HORIZON_STREAM, ReminderHorizonExtended } from '../domain/horizon-events';
import { HORIZON_MARGIN_MS, REMINDER_HORIZON_MS } from '../domain/occurrence-plan';
import { dueAt, effectiveLeadTimes } from '../domain/reminder-timing';
import { ReminderScheduler } from './reminder.scheduler';
import { SeriesPlanTarget, planOccurrences, reconcileOccurrences } from './series-plan';
import { EVENTS_TABLE, LEAD_TIMES_TABLE, NOTICES_TABLE, PLAN_TABLE, REMINDER_PLAN_PROJECTION, REMINDER_SUBSCRIPTIONS_TABLE, planConflict } from './tables';

interface EventTiming {
  status: 'scheduled' | 'cancelled' | 'series';
  start_value: EventTime;
  time_zone: string;
  starts_at: Date;
  ends_at: Date;
  version: number;
}

/** A row of the projection's own event table: a series keeps its state (to expand it) and its horizon. */
interface EventRow extends EventTiming {
  series: CalendarEventState | null;
  horizon_until: Date | null;
}

/** A notice's timing: the event's, or one instance's (`occurrence`). */
interface NoticeTiming {
  version: number;
  starts_at: Date;
  ends_at: Date;
  occurrence?: string;
}

/** A series that never ends is "over" never: its notices are kept as long as any. */
const NO_END = new Date(Date.UTC(9999, 11, 31));

/** Parameters $1..$6 of the event row's timing, as its INSERT and its UPDATE both take them. */
const timingParams = (id: string, t: EventTiming): unknown[] => [id, JSON.stringify(t.start_value), t.time_zone, t.starts_at, t.ends_at, t.version];

/**
 * What one apply() call keeps between its events: the lead times in use (read once, forgotten
 * when a subscription moves the counts) and the rows of newly scheduled single events, written
 * in one INSERT before anything else reads or writes the event table (and at the end). A batch
 * of N schedules costs two statements instead of 2N.
 */
interface ApplyState {
  leadTimes: string[] | null;
  scheduled: { id: string; timing: EventTiming }[];
}

interface SubscriptionRow {
  lead_times: string[];
  confirmed: boolean;
  active: boolean;
}

const EVENT_TYPES: readonly string[] = CALENDAR_EVENT_TYPES;
const SUBSCRIPTION_TYPES = ['SubscriptionRequested', 'SubscriptionConfirmed', 'SubscriptionPreferencesChanged', 'Unsubscribed', 'SubscriberErased'];

/**
 * Notification planning as a projection (timing rules: docs/architecture.md, Reminders): one plan row per (event, lead time in use
 * by a confirmed subscription), moved on reschedule, cancelled on cancel; one notice row per
 * notice-worthy change. A recurring series gets rows per instance, but only for the instances
 * starting within its rolling horizon (the longest lead time plus a margin; the extension job
 * moves it on). Everything here is derived from the log — the event's own `recordedAt` stands for
 * "now" — so a replay plans the same rows and, having no afterCommit, sends nothing. Delayed jobs
 * are added after commit by the ReminderScheduler.
 *
 * Batch-first: a batch reads the rows of every event it touches at once and folds its events
 * over them in log order (a single event is the batch of one).
 */
@Injectable()
@RegisterProjection()
export class ReminderPlanProjection implements Projection {
  readonly name = REMINDER_PLAN_PROJECTION;
  readonly eventTypes: readonly string[] = [...EVENT_TYPES, ...SUBSCRIPTION_TYPES, REMINDER_HORIZON_EXTENDED];
  readonly tables = [PLAN_TABLE, REMINDER_SUBSCRIPTIONS_TABLE, EVENTS_TABLE, NOTICES_TABLE, LEAD_TIMES_TABLE] as const;

  constructor(private readonly scheduler: ReminderScheduler) {}

  async apply(events: StoredEvent[], ctx: ProjectionContext): Promise<void> {
    const ids = [...new Set(events.filter((e) => e.streamId.startsWith(CALENDAR_EVENT_STREAM_PREFIX)).map((e) => e.streamId.slice(CALENDAR_EVENT_STREAM_PREFIX.length)))];
    const rows = new Map<string, EventRow>();
    if (ids.length) {
      const found: (EventRow & { event_id: string })[] = await ctx.tx.query(
        `SELECT event_id, status, start_value, time_zone, starts_at, ends_at, version, series, horizon_until FROM ${ctx.table(EVENTS_TABLE)} WHERE event_id = ANY($1::uuid[]) ORDER BY event_id FOR UPDATE`,
        [ids],
      );
      for (const { event_id, ...row } of found) rows.set(event_id, row);
    }
    const state: ApplyState = { leadTimes: null, scheduled: [] };
    for (const event of events) {
      if (event.streamId.startsWith(CALENDAR_EVENT_STREAM_PREFIX)) {
        await this.applyCalendarEvent(ctx, event.streamId.slice(CALENDAR_EVENT_STREAM_PREFIX.length), event, rows, state);
      } else if (event.streamId.startsWith(SUBSCRIPTION_STREAM_PREFIX)) {
        await this.flushScheduled(ctx, state);
        await this.applySubscriptionEvent(ctx, event.streamId.slice(SUBSCRIPTION_STREAM_PREFIX.length), event, state);
      } else if (event.streamId === REMINDER_HORIZON_STREAM && event.type === REMINDER_HORIZON_EXTENDED) {
        await this.flushScheduled(ctx, state);
        await this.extendHorizons(ctx, event, rows, state);
      }
    }
    await this.flushScheduled(ctx, state);
  }

  /** The event rows of the single events scheduled so far in this apply(), in one INSERT. */
  private async flushScheduled(ctx: ProjectionContext, state: ApplyState): Promise<void> {
    if (state.scheduled.length === 0) return;
    const rows = state.scheduled;
    state.scheduled = [];
    await ctx.tx.query(
      `INSERT INTO ${ctx.table(EVENTS_TABLE)} (event_id, status, start_value, time_zone, starts_at, ends_at, version)
       SELECT id, 'scheduled', start_value::jsonb, time_zone, starts_at, ends_at, version
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[]) AS x(id, start_value, time_zone, starts_at, ends_at, version)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => JSON.stringify(r.timing.start_value)),
        rows.map((r) => r.timing.time_zone),
        rows.map((r) => r.timing.starts_at),
        rows.map((r) => r.timing.ends_at),
        rows.map((r) => r.timing.version),
      ],
    );
  }

  async afterCommit(events: StoredEvent[]): Promise<void> {
    await this.scheduler.scheduleFor(events.map((e) => e.position));
  }

  private async applyCalendarEvent(ctx: ProjectionContext, id: string, stored: StoredEvent, rows: Map<string, EventRow>, state: ApplyState): Promise<void> {
    const e = { type: stored.type, data: stored.data } as CalendarEventEvent;
    const events = ctx.table(EVENTS_TABLE);
    const current = rows.get(id);
    // The runner applies each event once; this guards a replay into a non-empty table.
    if (current && current.version >= stored.version) return;
    if (!current && e.type !== 'EventScheduled') throw new Error(`${e.type} before EventScheduled`);
    // Only a new single event's row waits for the batched INSERT; everything else sees the table as it stands.
    if (e.type !== 'EventScheduled' || e.data.recurrence) await this.flushScheduled(ctx, state);
    if ((e.type === 'EventScheduled' && e.data.recurrence) || current?.status === 'series') {
      await this.applySeriesEvent(ctx, id, e, stored, current, rows, state);
      return;
    }
    // Only a series has instances (the domain refuses these otherwise): nothing to plan.
    if (e.type === 'RecurrenceChanged' || e.type === 'OccurrenceRescheduled' || e.type === 'OccurrenceDetailsChanged' || e.type === 'OccurrenceCancelled') {
      await ctx.tx.query(`UPDATE ${events} SET version = $2 WHERE event_id = $1`, [id, stored.version]);
      rows.set(id, { ...current!, version: stored.version });
      return;
    }

    switch (e.type) {
      case 'EventScheduled': {
        const timing = this.timing(e.data.start, e.data.end, e.data.timeZone, stored.version);
        state.scheduled.push({ id, timing });
        rows.set(id, { ...timing, series: null, horizon_until: null });
        await this.plan(ctx, id, timing, await this.leadTimesInUse(ctx, state), stored);
        return;
      }
      case 'EventRescheduled': {
        const timing = this.timing(e.data.start, e.data.end, e.data.timeZone, stored.version);
        await ctx.tx.query(`UPDATE ${events} SET start_value = $2::jsonb, time_zone = $3, starts_at = $4, ends_at = $5, version = $6 WHERE event_id = $1`, timingParams(id, timing));
        rows.set(id, { ...current!, ...timing });
        // Move every row of the event, and plan the lead times in use it had no row for (an event
        // moved from the past into the future).
        const existing: { lead_time: string }[] = await ctx.tx.query(`SELECT lead_time FROM ${ctx.table(PLAN_TABLE)} WHERE event_id = $1 AND occurrence = ''`, [id]);
        const leadTimes = new Set([...existing.map((r) => r.lead_time), ...(await this.leadTimesInUse(ctx, state))]);
        await this.plan(ctx, id, timing, [...leadTimes], stored);
        await this.notice(ctx, id, 'updated', timing, stored);
        return;
      }
      case 'EventDetailsChanged': {
        await ctx.tx.query(`UPDATE ${events} SET version = $2 WHERE event_id = $1`, [id, stored.version]);
        rows.set(id, { ...current!, version: stored.version });
        // Only what a subscriber's calendar entry shows by name and place is worth an email.
        if (e.data.title !== undefined || e.data.location !== undefined) await this.notice(ctx, id, 'updated', { ...current!, version: stored.version }, stored);
        return;
      }
      case 'EventCancelled': {
        await ctx.tx.query(`UPDATE ${events} SET status = 'cancelled', version = $2 WHERE event_id = $1`, [id, stored.version]);
        rows.set(id, { ...current!, status: 'cancelled', version: stored.version });
        await ctx.tx.query(`UPDATE ${ctx.table(PLAN_TABLE)} SET status = 'cancelled', event_version = $2, planned_position = $3 WHERE event_id = $1`, [id, stored.version, stored.position]);
        await this.notice(ctx, id, 'cancelled', { ...current!, version: stored.version }, stored);
        return;
      }
    }
  }

  /**
   * A series: its state folded with the domain's own `evolve`, its instances ahead (up to the
   * horizon) reconciled with their plan rows, and a notice about the instance, or the series,
   * that changed.
   */
  private async applySeriesEvent(
    ctx: ProjectionContext,
    id: string,
    e: CalendarEventEvent,
    stored: StoredEvent,
    current: EventRow | undefined,
    rows: Map<string, EventRow>,
    state: ApplyState,
  ): Promise<void> {
    const before = current?.series ?? initialState;
    const after = evolve(before, e);
    const now = stored.recordedAt.getTime();
    const horizon = new Date(Math.max(current?.horizon_until?.getTime() ?? 0, now + REMINDER_HORIZON_MS));
    const row: EventRow = {
      status: 'series',
      start_value: after.start!,
      time_zone: after.timeZone,
      starts_at: new Date(after.instants!.startsAt),
      ends_at: new Date(after.instants!.endsAt),
      version: stored.version,
      series: after,
      horizon_until: horizon,
    };
    await ctx.tx.query(
      `INSERT INTO ${ctx.table(EVENTS_TABLE)} (event_id, status, start_value, time_zone, starts_at, ends_at, version, series, horizon_until)
       VALUES ($1, 'series', $2::jsonb, $3, $4, $5, $6, $7::jsonb, $8)
       ON CONFLICT (event_id) DO UPDATE SET status = EXCLUDED.status, start_value = EXCLUDED.start_value, time_zone = EXCLUDED.time_zone, starts_at = EXCLUDED.starts_at,
         ends_at = EXCLUDED.ends_at, version = EXCLUDED.version, series = EXCLUDED.series, horizon_until = EXCLUDED.horizon_until`,
      [id, JSON.stringify(row.start_value), row.time_zone, row.starts_at, row.ends_at, row.version, JSON.stringify(after), horizon],
    );
    rows.set(id, row);
    const target: SeriesPlanTarget = { tx: ctx.tx, planTable: ctx.table(PLAN_TABLE), eventId: id, version: stored.version, position: stored.position };
    await reconcileOccurrences(target, after, now, horizon.getTime(), await this.leadTimesInUse(ctx, state));

    const series: NoticeTiming = { version: stored.version, starts_at: row.starts_at, ends_at: new Date(seriesEnd(after) ?? NO_END.getTime()) };
    const instance = (state: CalendarEventState, originalStart: EventTime): NoticeTiming | null => {
      const o = occurrenceOf(state, originalStart);
      return o && { version: stored.version, starts_at: new Date(o.instants.startsAt), ends_at: new Date(o.instants.endsAt), occurrence: occurrenceKey(o.originalStart) };
    };
    let notice: { kind: 'updated' | 'cancelled'; timing: NoticeTiming | null } | null = null;
    switch (e.type) {
      case 'EventRescheduled':
      case 'RecurrenceChanged':
        notice = { kind: 'updated', timing: series };
        break;
      case 'EventDetailsChanged':
        if (e.data.title !== undefined || e.data.location !== undefined) notice = { kind: 'updated', timing: series };
        break;
      case 'EventCancelled':
        notice = { kind: 'cancelled', timing: series };
        break;
      case 'OccurrenceRescheduled':
        notice = { kind: 'updated', timing: instance(after, e.data.originalStart) };
        break;
      case 'OccurrenceDetailsChanged':
        if (e.data.title !== undefined || e.data.location !== undefined) notice = { kind: 'updated', timing: instance(after, e.data.originalStart) };
        break;
      case 'OccurrenceCancelled':
        // That date only: the instance's own start and end, and its key.
        notice = { kind: 'cancelled', timing: instance(after, e.data.originalStart) };
        break;
    }
    if (notice?.timing) await this.notice(ctx, id, notice.kind, notice.timing, stored);
  }

  private async applySubscriptionEvent(ctx: ProjectionContext, id: string, stored: StoredEvent, state: ApplyState): Promise<void> {
    const e = { type: stored.type, data: stored.data } as SubscriptionEvent;
    switch (e.type) {
      case 'SubscriptionRequested':
        // Also a fresh opt-in after an unsubscribe, on the same stream: pending again.
        await this.changeSubscription(ctx, id, stored, state, () => ({ lead_times: effectiveLeadTimes(e.data.leadTimes), confirmed: false, active: true }));
        return;
      case 'SubscriptionConfirmed':
        await this.changeSubscription(ctx, id, stored, state, (s) => ({ ...s!, confirmed: true }));
        return;
      case 'SubscriptionPreferencesChanged': {
        const leadTimes = e.data.leadTimes;
        if (leadTimes !== undefined) await this.changeSubscription(ctx, id, stored, state, (s) => ({ ...s!, lead_times: effectiveLeadTimes(leadTimes) }));
        return;
      }
      case 'Unsubscribed':
      case 'SubscriberErased':
        // Rows planned for lead times nobody uses any more stay: their due job finds no subscriber.
        await this.changeSubscription(ctx, id, stored, state, (s) => ({ ...s!, active: false }));
        return;
    }
  }

  /**
   * Applies a change to a subscription, keeps the count of subscriptions per lead time in use
   * (confirmed and active), and plans the events still ahead for the lead times it brings into use.
   */
  private async changeSubscription(ctx: ProjectionContext, id: string, stored: StoredEvent, state: ApplyState, change: (s: SubscriptionRow | undefined) => SubscriptionRow): Promise<void> {
    const subs = ctx.table(REMINDER_SUBSCRIPTIONS_TABLE);
    const row = (await ctx.tx.query(`SELECT lead_times, confirmed, active FROM ${subs} WHERE subscription_id = $1 FOR UPDATE`, [id]))[0] as SubscriptionRow | undefined;
    if (!row && stored.type !== 'SubscriptionRequested') throw new Error(`${stored.type} before SubscriptionRequested`);
    const next = change(row);
    await ctx.tx.query(
      `INSERT INTO ${subs} (subscription_id, lead_times, confirmed, active) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subscription_id) DO UPDATE SET lead_times = EXCLUDED.lead_times, confirmed = EXCLUDED.confirmed, active = EXCLUDED.active`,
      [id, next.lead_times, next.confirmed, next.active],
    );
    const added = await this.countLeadTimes(ctx, row && row.confirmed && row.active ? row.lead_times : [], next.confirmed && next.active ? next.lead_times : []);
    state.leadTimes = null; // the counts may have moved
    if (added.length === 0) return;
    // Events still ahead as of this event's recordedAt — not the wall clock — so a rebuild plans the same rows.
    const ahead: (EventTiming & { event_id: string })[] = await ctx.tx.query(
      `SELECT event_id, status, start_value, time_zone, starts_at, ends_at, version FROM ${ctx.table(EVENTS_TABLE)}
        WHERE status = 'scheduled' AND starts_at > $1 ORDER BY event_id`,
      [stored.recordedAt],
    );
    for (const ev of ahead) await this.plan(ctx, ev.event_id, ev, added, stored, false);
    // Series: their live instances between this event and their horizon.
    const series: { event_id: string; series: CalendarEventState; horizon_until: Date; version: number }[] = await ctx.tx.query(
      `SELECT event_id, series, horizon_until, version FROM ${ctx.table(EVENTS_TABLE)} WHERE status = 'series' AND horizon_until > $1 ORDER BY event_id`,
      [stored.recordedAt],
    );
    for (const s of series) {
      const target: SeriesPlanTarget = { tx: ctx.tx, planTable: ctx.table(PLAN_TABLE), eventId: s.event_id, version: s.version, position: stored.position };
      await planOccurrences(target, s.series, stored.recordedAt.getTime(), s.horizon_until.getTime(), added, false);
    }
  }

  /**
   * Moves on the horizon of each live series that has less than the longest lead time plus half
   * the margin planned as of `asOf`, up to `asOf` plus the full horizon: its instances in between
   * are planned for the lead times in use (rows already there are left alone). The rows carry this
   * event's position, so afterCommit adds their due jobs like any other.
   */
  private async extendHorizons(ctx: ProjectionContext, stored: StoredEvent, rows: Map<string, EventRow>, state: ApplyState): Promise<void> {
    const now = Date.parse((stored.data as unknown as ReminderHorizonExtended).asOf);
    if (!Number.isFinite(now)) return;
    const until = new Date(now + REMINDER_HORIZON_MS);
    const due = new Date(until.getTime() - HORIZON_MARGIN_MS / 2);
    const events = ctx.table(EVENTS_TABLE);
    const batch: { event_id: string; series: CalendarEventState; horizon_until: Date; version: number }[] = await ctx.tx.query(
      `SELECT event_id, series, horizon_until, version FROM ${events}
        WHERE status = 'series' AND series->>'status' = 'scheduled' AND horizon_until < $1 ORDER BY event_id FOR UPDATE`,
      [due],
    );
    if (batch.length === 0) return;
    const leadTimes = await this.leadTimesInUse(ctx, state);
    for (const s of batch) {
      const target: SeriesPlanTarget = { tx: ctx.tx, planTable: ctx.table(PLAN_TABLE), eventId: s.event_id, version: s.version, position: stored.position };
      await planOccurrences(target, s.series, Math.max(s.horizon_until.getTime(), now), until.getTime(), leadTimes, false);
      const row = rows.get(s.event_id);
      if (row) rows.set(s.event_id, { ...row, horizon_until: until });
    }
    await ctx.tx.query(`UPDATE ${events} SET horizon_until = $2 WHERE event_id = ANY($1::uuid[])`, [batch.map((s) => s.event_id), until]);
  }

  /** Moves the per-lead-time counts from `before` to `after`; returns the lead times that came into use. */
  private async countLeadTimes(ctx: ProjectionContext, before: string[], after: string[]): Promise<string[]> {
    const delta = new Map<string, number>();
    for (const l of new Set(before)) delta.set(l, (delta.get(l) ?? 0) - 1);
    for (const l of new Set(after)) delta.set(l, (delta.get(l) ?? 0) + 1);
    const moved = (sign: number) =>
      [...delta]
        .filter(([, d]) => Math.sign(d) === sign)
        .map(([l]) => l)
        .sort();
    const [down, up] = [moved(-1), moved(1)];
    const table = ctx.table(LEAD_TIMES_TABLE);
    // Two statements: an INSERT's row is checked (subscribers >= 0) before ON CONFLICT turns it into an update.
    if (down.length) await ctx.tx.query(`UPDATE ${table} SET subscribers = subscribers - 1 WHERE lead_time = ANY($1::text[])`, [down]);
    if (up.length === 0) return [];
    const rows: { lead_time: string; subscribers: number }[] = await ctx.tx.query(
      `INSERT INTO ${table} AS c (lead_time, subscribers) SELECT unnest($1::text[]), 1
       ON CONFLICT (lead_time) DO UPDATE SET subscribers = c.subscribers + 1
       RETURNING lead_time, subscribers`,
      [up],
    );
    return rows
      .filter((r) => r.subscribers === 1)
      .map((r) => r.lead_time)
      .sort();
  }

  /** Upserts the plan rows of one event for `leadTimes` (`replace` false: leaves existing rows alone). */
  private async plan(ctx: ProjectionContext, id: string, t: EventTiming, leadTimes: string[], stored: StoredEvent, replace = true): Promise<void> {
    if (leadTimes.length === 0) return;
    const rows = [...leadTimes]
      .sort()
      .map((lead) => ({ lead, due: this.dueOrNull(t, lead) }))
      .filter((r): r is { lead: string; due: Date } => r.due !== null);
    if (rows.length === 0) return;
    await ctx.tx.query(
      `INSERT INTO ${ctx.table(PLAN_TABLE)} AS p (event_id, lead_time, due_at, start_at, event_version, status, planned_position)
       SELECT $1, lead, due, $4, $5, 'planned', $6 FROM unnest($2::text[], $3::timestamptz[]) AS x(lead, due)
       ${planConflict(replace)}`,
      [id, rows.map((r) => r.lead), rows.map((r) => r.due), t.starts_at, t.version, stored.position],
    );
  }

  private async notice(ctx: ProjectionContext, id: string, kind: 'updated' | 'cancelled', t: NoticeTiming, stored: StoredEvent): Promise<void> {
    await ctx.tx.query(
      `INSERT INTO ${ctx.table(NOTICES_TABLE)} (event_id, event_version, kind, start_at, ends_at, recorded_at, position, occurrence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id, event_version) DO NOTHING`,
      [id, t.version, kind, t.starts_at, t.ends_at, stored.recordedAt, stored.position, t.occurrence ?? null],
    );
  }

  /** Lead times of confirmed, still active subscriptions, as the log stands at this event (read once until a subscription moves them). */
  private async leadTimesInUse(ctx: ProjectionContext, state: ApplyState): Promise<string[]> {
    if (state.leadTimes === null) {
      const rows: { lead_time: string }[] = await ctx.tx.query(`SELECT lead_time FROM ${ctx.table(LEAD_TIMES_TABLE)} WHERE subscribers > 0 ORDER BY 1`);
      state.leadTimes = rows.map((r) => r.lead_time);
    }
    return state.leadTimes;
  }

  private timing(start: EventTime, end: EventTime, timeZone: string, version: number): EventTiming {
    // Lenient: the log holds what was valid when recorded; a newer zone database must not stop the projection.
    const i = toInstants(start, end, timeZone, { lenient: true });
    return { status: 'scheduled', start_value: start, time_zone: timeZone, starts_at: new Date(i.startsAt), ends_at: new Date(i.endsAt), version };
  }

  /** A lead time the domain cannot read (never valid input) plans nothing rather than stopping the projection. */
  private dueOrNull(t: EventTiming, leadTime: string): Date | null {
    try {
      return dueAt({ start: t.start_value, timeZone: t.time_zone }, leadTime);
    } catch {
      return null;
    }
  }
}
