import { Query } from '@nestjs/cqrs';
import type { EndpointView } from '../endpoint-view';

/** GET /v1/admin/webhooks/:id */
export class GetEndpointQuery extends Query<EndpointView> {
  constructor(readonly id: string) {
    super();
  }
}
