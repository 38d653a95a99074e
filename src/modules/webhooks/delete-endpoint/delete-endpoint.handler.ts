import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { WebhookCounters } from '../delivery/webhook-counters';
import { EndpointsRepository } from '../endpoints.repository';
import { DeleteEndpointCommand } from './delete-endpoint.command';

/** A delivery job still queued for it finds no endpoint and ends. */
@CommandHandler(DeleteEndpointCommand)
export class DeleteEndpointHandler implements ICommandHandler<DeleteEndpointCommand> {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly counters: WebhookCounters,
  ) {}

  async execute(c: DeleteEndpointCommand): Promise<void> {
    if (!(await this.endpoints.delete(c.id))) throw new DomainError('not-found', 'WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
    await this.counters.forget(c.id);
  }
}
