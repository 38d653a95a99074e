import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EndpointView, endpointView } from '../endpoint-view';
import { EndpointsRepository } from '../endpoints.repository';
import { ListEndpointsQuery } from './list-endpoints.query';

@QueryHandler(ListEndpointsQuery)
export class ListEndpointsHandler implements IQueryHandler<ListEndpointsQuery> {
  constructor(private readonly endpoints: EndpointsRepository) {}

  async execute(): Promise<{ items: EndpointView[] }> {
    return { items: (await this.endpoints.list()).map(endpointView) };
  }
}
