import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { ChangeEndpointHandler } from './change-endpoint/change-endpoint.handler';
import { CreateEndpointHandler } from './create-endpoint/create-endpoint.handler';
import { DeleteEndpointHandler } from './delete-endpoint/delete-endpoint.handler';
import { DeliverJob } from './delivery/deliver.job';
import { PauseAlert } from './delivery/pause-alert';
import { WebhookSweepJob, WebhookSweepScheduler } from './delivery/sweep.job';
import { WebhookCounters } from './delivery/webhook-counters';
import { WebhookSender } from './delivery/webhook-sender';
import { WebhookWaker } from './delivery/webhook.waker';
import { EndpointsRepository } from './endpoints.repository';
import { GetEndpointHandler } from './get-endpoint/get-endpoint.handler';
import { WebhooksController } from './http/webhooks.controller';
import { ListDeliveriesHandler } from './list-deliveries/list-deliveries.handler';
import { ListEndpointsHandler } from './list-endpoints/list-endpoints.handler';
import { ReplayEndpointHandler } from './replay-endpoint/replay-endpoint.handler';
import { RotateSecretHandler } from './rotate-secret/rotate-secret.handler';
import { WebhookStats } from './webhook-stats';
import { EndpointUrlPolicy } from './url-policy';

const handlers = [CreateEndpointHandler, ChangeEndpointHandler, DeleteEndpointHandler, RotateSecretHandler, ReplayEndpointHandler, ListEndpointsHandler, GetEndpointHandler, ListDeliveriesHandler];

/**
 * Webhooks, every role: endpoints and their cursors, the waker (after appends), and the
 * delivery job (a worker runs it; every process may hold it, as with the email job).
 */
@Module({
  imports: [MailModule],
  providers: [EndpointsRepository, EndpointUrlPolicy, WebhookWaker, WebhookSender, WebhookCounters, PauseAlert, DeliverJob, WebhookSweepJob, WebhookStats, ...handlers],
  exports: [WebhookStats, EndpointsRepository, WebhookWaker],
})
export class WebhooksModule {}

@Module({ imports: [WebhooksModule], controllers: [WebhooksController] })
export class WebhooksHttpModule {}

/** Worker role: keeps the periodic sweep scheduled. */
@Module({ imports: [WebhooksModule], providers: [WebhookSweepScheduler] })
export class WebhooksWorkerModule {}
