import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { HttpCommonModule } from './common/http/http.module';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { EventStoreModule } from './events/event-store.module';
import { ReadRoutingModule } from './database/read-routing';
import { loggerModule } from './logging';
import { AuditModule } from './modules/audit/audit.module';
import { AuditHttpModule } from './modules/audit/http/audit-http.module';
import { TransparencyModule, TransparencyWorkerModule } from './modules/audit/transparency/transparency.module';
import { AuthGuard } from './modules/auth/http/auth.guard';
import { AuthModule } from './modules/auth/auth.module';
import { CalendarModule } from './modules/calendar/calendar.module';
import { CalendarHttpModule } from './modules/calendar/http/calendar-http.module';
import { MailHttpModule, MailModule } from './modules/mail/mail.module';
import { RemindersModule, RemindersWorkerModule } from './modules/reminders/reminders.module';
import { SchedulingHttpModule } from './modules/scheduling/http/scheduling-http.module';
import { SchedulingModule } from './modules/scheduling/scheduling.module';
import { SubscriptionsHttpModule, SubscriptionsModule } from './modules/subscriptions/subscriptions.module';
import { WebhooksHttpModule, WebhooksModule, WebhooksWorkerModule } from './modules/webhooks/webhooks.module';
import { JobsModule, JobsWorkerModule } from './jobs/jobs.module';
import { OpsModule } from './ops/ops.module';
import { ProjectionsHttpModule, ProjectionsModule, ProjectionsWorkerModule } from './projections/projections.module';

/** `api` serves HTTP and enqueues; `worker` runs jobs; `all` is both; `cli` is for commands. */
export type Role = 'api' | 'worker' | 'all' | 'cli';

@Module({})
export class AppModule {
  static forRole(role: Role, config: AppConfig): DynamicModule {
    const serves = role === 'api' || role === 'all';
    const works = role === 'worker' || role === 'all';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        loggerModule(config),
        CqrsModule.forRoot(),
        EventStoreModule,
        ReadRoutingModule,
        AuthModule,
        JobsModule,
        ProjectionsModule,
        SchedulingModule,
        CalendarModule,
        AuditModule,
        TransparencyModule,
        RemindersModule,
        MailModule,
        SubscriptionsModule,
        WebhooksModule,
        ...(serves
          ? [
              HttpCommonModule.forRoot(AuthGuard),
              OpsModule,
              SchedulingHttpModule,
              CalendarHttpModule,
              ProjectionsHttpModule,
              AuditHttpModule,
              SubscriptionsHttpModule,
              MailHttpModule,
              WebhooksHttpModule,
            ]
          : []),
        ...(works ? [RemindersWorkerModule, ProjectionsWorkerModule, WebhooksWorkerModule, JobsWorkerModule, TransparencyWorkerModule] : []),
      ],
    };
  }
}
