import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { Deliveries, Delivery } from '../deliveries';
import { RetryDeliveryCommand } from './retry-delivery.command';

@CommandHandler(RetryDeliveryCommand)
export class RetryDeliveryHandler implements ICommandHandler<RetryDeliveryCommand> {
  constructor(private readonly deliveries: Deliveries) {}

  async execute(c: RetryDeliveryCommand): Promise<Delivery> {
    const r = await this.deliveries.retry(c.deliveryKey, c.actor);
    if (r.retried) return r.delivery;
    if (!r.delivery) throw new DomainError('not-found', 'DELIVERY_NOT_FOUND', 'no such delivery');
    throw new DomainError('conflict', 'DELIVERY_NOT_RETRYABLE', r.why ?? 'this delivery cannot be retried');
  }
}
