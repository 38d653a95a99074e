import { Module } from '@nestjs/common';
import { CalendarModule } from '../calendar/calendar.module';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { EventEmailComposer, CancelledEmailRenderer, ReminderEmailRenderer, UpdatedEmailRenderer } from './email/event-email.renderer';
import { DueJob } from './jobs/due.job';
import { FanOut } from './jobs/fan-out';
import { NoticeJob } from './jobs/notice.job';
import { ExtendHorizonJob, ExtendHorizonScheduler } from './jobs/extend-horizon.job';
import { ReplanJob, ReplanScheduler } from './jobs/replan.job';
import { HorizonExtender } from './planning/horizon.extender';
import { ReminderPlanProjection } from './planning/reminder-plan.projection';
import { ReminderPlanReader } from './planning/reminder-plan.read';
import { ReminderScheduler } from './planning/reminder.scheduler';

/**
 * Reminder planning, in every role: the 'reminder-plan' projection must be registered wherever
 * the projection registry runs (workers apply it, the API wakes it, the CLI rebuilds it).
 */
@Module({
  providers: [ReminderPlanProjection, ReminderScheduler, ReminderPlanReader],
  exports: [ReminderScheduler, ReminderPlanReader],
})
export class RemindersModule {}

/** Worker role: the due/notice/replan/extend-horizon jobs and the email renderers of 'reminder', 'updated', 'cancelled'. */
@Module({
  imports: [RemindersModule, CalendarModule, SubscriptionsModule],
  providers: [
    FanOut,
    DueJob,
    NoticeJob,
    ReplanJob,
    ReplanScheduler,
    HorizonExtender,
    ExtendHorizonJob,
    ExtendHorizonScheduler,
    EventEmailComposer,
    ReminderEmailRenderer,
    UpdatedEmailRenderer,
    CancelledEmailRenderer,
  ],
})
export class RemindersWorkerModule {}
