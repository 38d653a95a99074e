import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../../jobs/job-handler';
import { CalendarReadModel } from '../../calendar/read-model/calendar.read-model';
import { type CalendarRow, occurrenceRow, stateOf } from '../../calendar/read-model/calendar-row';
import { seriesEnd } from '../../scheduling/domain/calendar-event';
import { NoticeEmailPayload, NoticeJobPayload, noticeDeliveryKey } from '../domain/notifications';
import { ReminderPlanReader } from '../planning/reminder-plan.read';
import { FanOut } from './fan-out';

export type { NoticeJobPayload };

/** Where the event, instance or series (its last instance; never, without an end) is over. */
function endOf(row: CalendarRow): number {
  if (!row.recurrence) return row.ends_at.getTime();
  return seriesEnd(stateOf(row)) ?? Infinity;
}

/** An event was rescheduled, renamed, moved or cancelled: tell every matching confirmed subscriber, now. */
@Injectable()
@JobHandler(QUEUES.reminders, JOBS.reminders.notice)
export class NoticeJob implements HandlesJob<NoticeJobPayload> {
  private readonly logger = new Logger(NoticeJob.name);

  constructor(
    private readonly calendar: CalendarReadModel,
    private readonly plan: ReminderPlanReader,
    private readonly fanOut: FanOut,
  ) {}

  async handle(job: Job<NoticeJobPayload>): Promise<string> {
    const p = job.data;
    if (await this.plan.parked(p.eventId)) {
      this.logger.log({ eventId: p.eventId, version: p.version, kind: p.kind }, 'notice not sent: the stream is parked');
      return 'parked';
    }
    const row = await this.calendar.get(p.eventId);
    // The plan can run ahead of the calendar view; the renderer reads the view, so wait for it.
    if (!row || row.version < p.version) throw new Error(`calendar view behind version ${p.version} of event ${p.eventId}; retrying`);
    const event = p.occurrence ? occurrenceRow(row, p.occurrence) : row;
    if (!event) {
      this.logger.log({ eventId: p.eventId, occurrence: p.occurrence, version: p.version, kind: p.kind }, 'notice not sent: the series makes no such instance any more');
      return 'no such instance';
    }
    if (endOf(event) <= Date.now()) {
      this.logger.log({ eventId: p.eventId, version: p.version, kind: p.kind }, 'notice not sent: the event is over');
      return 'event over';
    }
    const email: NoticeEmailPayload = { eventId: p.eventId, version: p.version, startAt: p.startAt, ...(p.occurrence ? { occurrence: p.occurrence } : {}) };
    const r = await this.fanOut.run(event, (m) => ({
      deliveryKey: noticeDeliveryKey(p, m.subscriptionId),
      kind: p.kind,
      subscriptionId: m.subscriptionId,
      eventId: p.eventId,
      payload: email,
      leadTime: p.kind === 'updated' ? `v${p.version}` : '-',
      start: p.startAt,
    }));
    this.logger.log({ eventId: p.eventId, version: p.version, kind: p.kind, ...r }, 'notice fanned out');
    return `sent to ${r.enqueued} of ${r.matched}`;
  }
}
