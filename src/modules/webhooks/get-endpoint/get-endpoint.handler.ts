import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { EndpointView, endpointView } from '../endpoint-view';
import { EndpointsRepository } from '../endpoints.repository';
import { GetEndpointQuery } from './get-endpoint.query';

@QueryHandler(GetEndpointQuery)
export class GetEndpointHandler implements IQueryHandler<GetEndpointQuery> {
  constructor(private readonly endpoints: EndpointsRepository) {}

  async execute(q: GetEndpointQuery): Promise<EndpointView> {
    const e = await this.endpoints.get(q.id);
    if (!e) throw new DomainError('not-found', 'WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
    return endpointView(e);
  }
}
