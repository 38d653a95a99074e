import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { LOG_START } from '../../../events/envelope';
import { EventStore } from '../../../events/event-store.port';
import { WebhookWaker } from '../delivery/webhook.waker';
import { EndpointView, endpointView } from '../endpoint-view';
import { EndpointsRepository } from '../endpoints.repository';
import { ReplayEndpointCommand } from './replay-endpoint.command';

/**
 * The cursor is set just after the event at `fromPosition`, in the log's gap-safe order, so
 * exactly the events after it are sent again (with their original `webhook-id`s).
 */
@CommandHandler(ReplayEndpointCommand)
export class ReplayEndpointHandler implements ICommandHandler<ReplayEndpointCommand> {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly store: EventStore,
    private readonly waker: WebhookWaker,
  ) {}

  async execute(c: ReplayEndpointCommand): Promise<EndpointView> {
    if (!(await this.endpoints.get(c.id))) throw new DomainError('not-found', 'WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
    const cursor = BigInt(c.fromPosition) === 0n ? LOG_START : await this.store.checkpointAt(c.fromPosition);
    if (!cursor) throw new DomainError('invalid', 'POSITION_NOT_FOUND', `no event at position ${c.fromPosition}`, 'fromPosition');
    const e = await this.endpoints.setCursor(c.id, cursor);
    if (!e) throw new DomainError('not-found', 'WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
    if (e.status === 'active') await this.waker.kick(e.id);
    return endpointView(e);
  }
}
