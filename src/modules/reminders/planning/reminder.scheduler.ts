import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JobsOptions, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { DueJobPayload, NoticeJobPayload, dueJobId, noticeJobId } from '../domain/notifications';
import { STALE_AFTER_MS, isStale } from '../domain/reminder-timing';
import { NOTICES_TABLE, NoticeRow, PLAN_TABLE, PlanRow } from './tables';
import { isoInstant } from '../../scheduling/domain/time';

/** How far ahead the safety net re-asserts due jobs (after-commit adds any horizon). */
const SWEEP_HORIZON_MS = 24 * 3600_000;
/** How far back the safety net looks for notices whose job may have been lost. */
const NOTICE_LOOKBACK_MS = 3600_000;

/**
 * Completed jobs are kept (a day) so that re-adding the same id — after-commit retried, the
 * safety net — stays a no-op while the plan row is still within its staleness window. Even when
 * a job runs twice, the deliveries table sends each (event, subscriber, kind, start, lead time) once.
 */
const KEEP: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail' | 'attempts' | 'backoff'> = {
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
};

/** Turns plan and notice rows into BullMQ jobs (the only side effect of the planning projection). */
@Injectable()
export class ReminderScheduler {
  private readonly logger = new Logger(ReminderScheduler.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QUEUES.reminders) private readonly queue: Queue,
  ) {}

  /** After a batch committed: jobs for exactly the rows those log positions planned. */
  async scheduleFor(positions: string[], now = new Date()): Promise<void> {
    if (positions.length === 0) return;
    // The rows those positions (re)planned or cancelled, in one round trip.
    const rows: (PlanRow & { replaced_start_at: Date | null })[] = await this.db.query(
      `SELECT event_id, occurrence, lead_time, due_at, start_at, event_version, status, replaced_start_at FROM ${PLAN_TABLE} WHERE planned_position = ANY($1::bigint[])`,
      [positions],
    );
    const notices: NoticeRow[] = await this.db.query(`SELECT event_id, event_version, kind, start_at, ends_at, occurrence FROM ${NOTICES_TABLE} WHERE position = ANY($1::bigint[])`, [positions]);
    await this.add(
      rows.filter((r) => r.status === 'planned'),
      notices,
      now,
    );
    // Every lead time of a cancelled event or instance; the old start of a moved one.
    const superseded = rows.flatMap((r) => (r.status === 'cancelled' ? [r] : r.replaced_start_at ? [{ ...r, start_at: r.replaced_start_at }] : []));
    await this.removeSuperseded(superseded);
  }

  /**
   * Removes the delayed due jobs those positions made pointless. Best effort by design — a job
   * that is already running, or that survives because Redis was away, re-checks the plan when
   * it fires and sends nothing (DueJob) — so a failure here is logged, never retried.
   */
  private async removeSuperseded(rows: Pick<PlanRow, 'event_id' | 'occurrence' | 'lead_time' | 'start_at'>[]): Promise<void> {
    if (rows.length === 0) return;
    const ids = rows.map((r) => dueJobId(r.event_id, r.lead_time, isoInstant(r.start_at), r.occurrence));
    try {
      const removed = await Promise.all(ids.map((id) => this.queue.remove(id)));
      this.logger.debug({ jobs: ids.length, removed: removed.filter((n) => n === 1).length }, 'superseded due jobs removed');
    } catch (err) {
      this.logger.warn({ err, jobs: ids }, 'could not remove superseded due jobs; they will find the plan changed and send nothing');
    }
  }

  /** Safety net for a lost after-commit (crash after commit, Redis down): same job ids, so cheap no-ops otherwise. */
  async sweep(now = new Date()): Promise<{ due: number; notices: number }> {
    const plans: PlanRow[] = await this.db.query(
      `SELECT event_id, occurrence, lead_time, due_at, start_at, event_version, status FROM ${PLAN_TABLE}
        WHERE status = 'planned' AND due_at > $1 AND due_at < $2 ORDER BY due_at`,
      [new Date(now.getTime() - STALE_AFTER_MS), new Date(now.getTime() + SWEEP_HORIZON_MS)],
    );
    const notices: NoticeRow[] = await this.db.query(`SELECT event_id, event_version, kind, start_at, ends_at, occurrence FROM ${NOTICES_TABLE} WHERE recorded_at > $1 AND ends_at > $2`, [
      new Date(now.getTime() - NOTICE_LOOKBACK_MS),
      now,
    ]);
    return this.add(plans, notices, now);
  }

  /** Delayed due jobs for planned rows (and notice jobs); rows already stale get none. */
  async add(plans: PlanRow[], notices: NoticeRow[], now: Date): Promise<{ due: number; notices: number }> {
    const due = plans
      .filter((r) => r.status === 'planned' && !isStale(r.due_at, now))
      .map((r) => {
        const data: DueJobPayload = { eventId: r.event_id, leadTime: r.lead_time, startAt: isoInstant(r.start_at), dueAt: isoInstant(r.due_at), ...(r.occurrence ? { occurrence: r.occurrence } : {}) };
        return { name: JOBS.reminders.due, data, opts: { ...KEEP, jobId: dueJobId(r.event_id, r.lead_time, data.startAt, r.occurrence), delay: Math.max(0, r.due_at.getTime() - now.getTime()) } };
      });
    // Nobody needs to hear that an event which is over was changed or cancelled.
    const notice = notices
      .filter((n) => n.ends_at.getTime() > now.getTime())
      .map((n) => {
        const data: NoticeJobPayload = { eventId: n.event_id, version: n.event_version, kind: n.kind, startAt: isoInstant(n.start_at), ...(n.occurrence ? { occurrence: n.occurrence } : {}) };
        return { name: JOBS.reminders.notice, data, opts: { ...KEEP, jobId: noticeJobId(n.event_id, n.event_version) } };
      });
    for (let i = 0; i < due.length; i += 1000) await this.queue.addBulk(due.slice(i, i + 1000));
    if (notice.length) await this.queue.addBulk(notice);
    if (due.length || notice.length) this.logger.debug({ due: due.length, notices: notice.length }, 'reminder jobs asserted');
    return { due: due.length, notices: notice.length };
  }
}
