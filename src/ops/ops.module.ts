import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { CalendarModule } from '../modules/calendar/calendar.module';
import { MailModule } from '../modules/mail/mail.module';
import { WebhooksModule } from '../modules/webhooks/webhooks.module';
import { ProjectionsModule } from '../projections/projections.module';
import { HealthController } from './http/health.controller';
import { Metrics } from './metrics';
import { MetricsController } from './http/metrics.controller';
import { RateLimitGuard } from './http/rate-limit.guard';

/** What an operator needs from a serving process: health, metrics, rate limits. */
@Module({
  imports: [TerminusModule, ProjectionsModule, CalendarModule, MailModule, WebhooksModule],
  controllers: [HealthController, MetricsController],
  providers: [Metrics, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [Metrics],
})
export class OpsModule {}
