import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { SendEmailJob } from '../mail/email.job';
import { SendEmailBatchJob } from '../mail/email-batch.job';
import { DeliverySender } from '../mail/delivery-sender';
import { ConfirmEmailRenderer } from './confirm/confirm.renderer';
import { ConfirmSubscriptionHandler } from './confirm-subscription/confirm-subscription.handler';
import { EraseSubscriberHandler } from './erase-subscriber/erase-subscriber.handler';
import { SubscriptionsAdminController } from './http/admin.controller';
import { SubscriptionsController } from './http/subscriptions.controller';
import { PersonalDataVault } from './personal-data.vault';
import { RequestSubscriptionHandler } from './request-subscription/request-subscription.handler';
import { SubscriberDirectory } from './subscriber-directory';
import { SubscriptionLinks } from './subscription-links';
import { SubscriptionRepository } from './subscription.repository';
import { SubscriptionsProjection } from './subscriptions.projection';
import { UnsubscribeHandler } from './unsubscribe/unsubscribe.handler';
import { InspectLinkHandler } from './inspect-link/inspect-link.handler';
import { ConfirmationCap } from './sign-up/confirmation-cap';
import { SignUpJob } from './sign-up/sign-up.job';
import { SignUpSealer } from './sign-up/sign-up.payload';
import { SubmitSignUpHandler } from './sign-up/submit-sign-up.handler';

const handlers = [SubmitSignUpHandler, RequestSubscriptionHandler, ConfirmSubscriptionHandler, UnsubscribeHandler, EraseSubscriberHandler, InspectLinkHandler];

/**
 * The Subscription aggregate, its read model and the subscriber directory, in every role. The
 * email send jobs (one delivery, a batch of a fan-out) are here too (they decrypt recipients) so a worker process always has it.
 */
@Module({
  imports: [MailModule],
  providers: [
    PersonalDataVault,
    SubscriptionLinks,
    SubscriptionRepository,
    SubscriptionsProjection,
    SubscriberDirectory,
    ConfirmEmailRenderer,
    DeliverySender,
    SendEmailJob,
    SendEmailBatchJob,
    SignUpSealer,
    ConfirmationCap,
    SignUpJob,
    ...handlers,
  ],
  exports: [SubscriberDirectory, SubscriptionLinks, MailModule],
})
export class SubscriptionsModule {}

@Module({ imports: [SubscriptionsModule], controllers: [SubscriptionsController, SubscriptionsAdminController] })
export class SubscriptionsHttpModule {}
