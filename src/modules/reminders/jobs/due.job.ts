import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../../jobs/job-handler';
import { CalendarReadModel } from '../../calendar/read-model/calendar.read-model';
import { type CalendarRow, occurrenceRow } from '../../calendar/read-model/calendar-row';
import { DueJobPayload, REMINDER_KIND, ReminderEmailPayload, reminderDeliveryKey } from '../domain/notifications';
import { effectiveLeadTimes, isStale } from '../domain/reminder-timing';
import { ReminderPlanReader } from '../planning/reminder-plan.read';
import { FanOut } from './fan-out';
import { isoInstant } from '../../scheduling/domain/time';

export type { DueJobPayload };

/**
 * A reminder's due time has come (one delayed job per event, or instance of a series, and lead time): re-check the plan
 * and the event as they are NOW, then fan out to the matching subscribers who chose this lead
 * time. A job planned for an older start, a cancelled event or a late run sends nothing.
 */
@Injectable()
@JobHandler(QUEUES.reminders, JOBS.reminders.due)
export class DueJob implements HandlesJob<DueJobPayload> {
  private readonly logger = new Logger(DueJob.name);

  constructor(
    private readonly plan: ReminderPlanReader,
    private readonly calendar: CalendarReadModel,
    private readonly fanOut: FanOut,
  ) {}

  async handle(job: Job<DueJobPayload>): Promise<string> {
    const p = job.data;
    const why = await this.whyNot(p);
    if (why) {
      this.logger.log({ eventId: p.eventId, occurrence: p.occurrence, leadTime: p.leadTime, startAt: p.startAt, reason: why }, 'reminder not sent');
      return why;
    }
    const event = (await this.current(p))!;
    const email: ReminderEmailPayload = { eventId: p.eventId, leadTime: p.leadTime, startAt: p.startAt, dueAt: p.dueAt, ...(p.occurrence ? { occurrence: p.occurrence } : {}) };
    const r = await this.fanOut.run(event, (m) =>
      effectiveLeadTimes(m.leadTimes).includes(p.leadTime)
        ? {
            deliveryKey: reminderDeliveryKey(p.eventId, m.subscriptionId, p.startAt, p.leadTime, p.occurrence),
            kind: REMINDER_KIND,
            subscriptionId: m.subscriptionId,
            eventId: p.eventId,
            payload: email,
            leadTime: p.leadTime,
            start: p.startAt,
          }
        : null,
    );
    this.logger.log({ eventId: p.eventId, occurrence: p.occurrence, leadTime: p.leadTime, ...r }, 'reminder fanned out');
    return `sent to ${r.enqueued} of ${r.matched}`;
  }

  /** The event, or the one instance of a series the reminder is about, as the calendar view has it now. */
  private async current(p: DueJobPayload): Promise<CalendarRow | undefined> {
    const row = await this.calendar.get(p.eventId);
    if (!row || !p.occurrence) return row;
    return occurrenceRow(row, p.occurrence) ?? undefined;
  }

  /** Null when the reminder is still due; otherwise why not. Throws while the calendar view lags the plan (retried). */
  private async whyNot(p: DueJobPayload): Promise<string | null> {
    const row = await this.plan.get(p.eventId, p.leadTime, p.occurrence);
    if (!row) return 'no plan row';
    if (row.status === 'cancelled') return 'cancelled';
    if (await this.plan.parked(p.eventId)) return 'parked: a projection could not apply an event of this stream';
    if (isoInstant(row.start_at) !== p.startAt) return `rescheduled to ${isoInstant(row.start_at)}`;
    if (isStale(row.due_at, new Date())) return `stale: due ${isoInstant(row.due_at)}`;
    const series = await this.calendar.get(p.eventId);
    if (!series || series.version < row.event_version) throw new Error(`calendar view behind the plan for event ${p.eventId}; retrying`);
    const event = await this.current(p);
    if (!event) return 'no such instance any more';
    if (event.status === 'cancelled') return 'cancelled';
    if (isoInstant(event.starts_at) !== p.startAt) return `rescheduled to ${isoInstant(event.starts_at)}`;
    return null;
  }
}
