import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../../jobs/job-handler';
import { RepeatableJobScheduler } from '../../../jobs/repeatable-job.scheduler';
import { ReminderScheduler } from '../planning/reminder.scheduler';

export const REPLAN_EVERY_MS = 60_000;
export const REPLAN_SCHEDULER_ID = 'reminders-replan';

/**
 * Self-healing: the planning projection adds jobs after commit, which a crash or a Redis outage
 * can lose. Every minute this re-adds the due jobs of planned rows due within a day (and not
 * stale) and the notice jobs of the last hour, with the same deterministic ids: a no-op for jobs
 * that exist (kept a day after completion), the lost ones come back.
 */
@Injectable()
@JobHandler(QUEUES.reminders, JOBS.reminders.replan)
export class ReplanJob implements HandlesJob {
  constructor(private readonly scheduler: ReminderScheduler) {}

  async handle(): Promise<{ due: number; notices: number }> {
    return this.scheduler.sweep();
  }
}

/** Keeps the repeatable replan job scheduled (worker role); re-asserted, as Redis may forget it. */
@Injectable()
export class ReplanScheduler extends RepeatableJobScheduler {
  constructor(@InjectQueue(QUEUES.reminders) queue: Queue) {
    super(queue, { schedulerId: REPLAN_SCHEDULER_ID, name: JOBS.reminders.replan, everyMs: REPLAN_EVERY_MS, reassertEveryMs: 5 * REPLAN_EVERY_MS, what: 'reminder replan' });
  }
}
