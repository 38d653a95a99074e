import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { RedisClient } from '../../jobs/redis-client';
import { Deliveries } from './deliveries';
import { EmailCounters } from './email-counters';
import { DevMailboxController } from './http/dev-mailbox.controller';
import { EmailRenderers } from './email-renderers';
import { Mailer } from './mail.types';
import { DevMailbox, SmtpMailer } from './mailers';
import { RetryDeliveryHandler } from './retry-delivery/retry-delivery.handler';

/**
 * Email infrastructure, every role: the transport (SMTP_URL, or the development mailbox when it
 * is unset), the renderer registry, and the deliveries table with its queue. The send job
 * itself is registered by SubscriptionsModule, which owns the recipients it decrypts.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    DevMailbox,
    EmailRenderers,
    Deliveries,
    EmailCounters,
    RetryDeliveryHandler,
    {
      provide: Mailer,
      inject: [APP_CONFIG, RedisClient],
      useFactory: (config: AppConfig, redis: RedisClient): Mailer => (config.SMTP_URL ? new SmtpMailer(config) : new DevMailbox(config, redis)),
    },
  ],
  exports: [Mailer, DevMailbox, EmailRenderers, Deliveries, EmailCounters],
})
export class MailModule {}

/** /dev/mailbox (404 unless SMTP_URL is unset and NODE_ENV is not production). */
@Module({ imports: [MailModule], controllers: [DevMailboxController] })
export class MailHttpModule {}
