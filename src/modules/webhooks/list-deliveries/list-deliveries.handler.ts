import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { EndpointsRepository } from '../endpoints.repository';
import { DeliveryView, ListDeliveriesQuery } from './list-deliveries.query';

@QueryHandler(ListDeliveriesQuery)
export class ListDeliveriesHandler implements IQueryHandler<ListDeliveriesQuery> {
  constructor(private readonly endpoints: EndpointsRepository) {}

  async execute(q: ListDeliveriesQuery): Promise<{ items: DeliveryView[]; nextBefore: string | null }> {
    if (!(await this.endpoints.get(q.endpointId))) throw new DomainError('not-found', 'WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
    const rows = await this.endpoints.deliveries(q.endpointId, q.limit, q.before);
    const items = rows.map((r) => ({ ...r, attemptedAt: r.attemptedAt.toISOString() }));
    return { items, nextBefore: rows.length === q.limit ? rows[rows.length - 1].id : null };
  }
}
