import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { EventStore } from '../../../events/event-store.port';
import { WebhookWaker } from '../delivery/webhook.waker';
import { checkEventTypes } from '../domain/endpoint';
import { EndpointWithSecret, endpointView } from '../endpoint-view';
import { EndpointsRepository } from '../endpoints.repository';
import { EndpointUrlPolicy, newSecret } from '../url-policy';
import { CreateEndpointCommand } from './create-endpoint.command';

/** A new endpoint receives what is appended from now on; a replay sends it older events. */
@CommandHandler(CreateEndpointCommand)
export class CreateEndpointHandler implements ICommandHandler<CreateEndpointCommand> {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly urls: EndpointUrlPolicy,
    private readonly store: EventStore,
    private readonly waker: WebhookWaker,
  ) {}

  async execute(c: CreateEndpointCommand): Promise<EndpointWithSecret> {
    const url = this.urls.check(c.url);
    const eventTypes = checkEventTypes(c.eventTypes);
    const secret = newSecret();
    const e = await this.endpoints.insert({ id: randomUUID(), url, eventTypes, description: c.description, secret, cursor: await this.store.latestCheckpoint() });
    this.waker.forgetActive();
    return { ...endpointView(e), secret };
  }
}
