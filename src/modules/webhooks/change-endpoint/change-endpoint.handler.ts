import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { WebhookWaker } from '../delivery/webhook.waker';
import { checkEventTypes } from '../domain/endpoint';
import { EndpointView, endpointView } from '../endpoint-view';
import { EndpointsRepository } from '../endpoints.repository';
import { EndpointUrlPolicy } from '../url-policy';
import { ChangeEndpointCommand } from './change-endpoint.command';

/** Resuming continues from the kept cursor with a fresh retry budget, at once. */
@CommandHandler(ChangeEndpointCommand)
export class ChangeEndpointHandler implements ICommandHandler<ChangeEndpointCommand> {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly urls: EndpointUrlPolicy,
    private readonly waker: WebhookWaker,
  ) {}

  async execute(c: ChangeEndpointCommand): Promise<EndpointView> {
    const { url, eventTypes, ...rest } = c.changes;
    const e = await this.endpoints.change(c.id, {
      ...rest,
      ...(url !== undefined ? { url: this.urls.check(url) } : {}),
      ...(eventTypes !== undefined ? { eventTypes: checkEventTypes(eventTypes) } : {}),
    });
    if (!e) throw new DomainError('not-found', 'WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
    if (e.status === 'active') await this.waker.kick(e.id);
    else this.waker.forgetActive();
    return endpointView(e);
  }
}
