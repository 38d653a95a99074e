import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../../jobs/job-handler';
import { CalendarReadModel } from '../../calendar/read-model/calendar.read-model';
import { DueJobPayload, REMINDER_KIND, ReminderEmailPayload, reminderDeliveryKey } from '../domain/notifications';
import { effectiveLeadTimes, isStale } from '../domain/reminder-timing';
import { ReminderPlanReader } from '../planning/reminder-plan.read';
import { FanOut } from './fan-out';
import { isoInstant } from '../../scheduling/domain/time';

export type { DueJobPayload };

/**
 * A reminder's due time has come (one delayed job per event and lead time): re-check the plan
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
      this.logger.log({ eventId: p.eventId, leadTime: p.leadTime, startAt: p.startAt, reason: why }, 'reminder not sent');
      return why;
    }
    const event = (await this.calendar.get(p.eventId))!;
    const email: ReminderEmailPayload = { eventId: p.eventId, leadTime: p.leadTime, startAt: p.startAt, dueAt: p.dueAt };
    const r = await this.fanOut.run(event, (m) =>
      effectiveLeadTimes(m.leadTimes).includes(p.leadTime)
        ? { deliveryKey: reminderDeliveryKey(p.eventId, m.subscriptionId, p.startAt, p.leadTime), kind: REMINDER_KIND, subscriptionId: m.subscriptionId, eventId: p.eventId, payload: email, leadTime: p.leadTime, start: p.startAt }
        : null,
    );
    this.logger.log({ eventId: p.eventId, leadTime: p.leadTime, ...r }, 'reminder fanned out');
    return `sent to ${r.enqueued} of ${r.matched}`;
  }

  /** Null when the reminder is still due; otherwise why not. Throws while the calendar view lags the plan (retried). */
  private async whyNot(p: DueJobPayload): Promise<string | null> {
    const row = await this.plan.get(p.eventId, p.leadTime);
    if (!row) return 'no plan row';
    if (row.status === 'cancelled') return 'cancelled';
    if (await this.plan.parked(p.eventId)) return 'parked: a projection could not apply an event of this stream';
    if (isoInstant(row.start_at) !== p.startAt) return `rescheduled to ${isoInstant(row.start_at)}`;
    if (isStale(row.due_at, new Date())) return `stale: due ${isoInstant(row.due_at)}`;
    const event = await this.calendar.get(p.eventId);
    if (!event || event.version < row.event_version) throw new Error(`calendar view behind the plan for event ${p.eventId}; retrying`);
    if (event.status === 'cancelled') return 'cancelled';
    if (isoInstant(event.starts_at) !== p.startAt) return `rescheduled to ${isoInstant(event.starts_at)}`;
    return null;
  }
}
