import { Query } from '@nestjs/cqrs';
import type { EndpointView } from '../endpoint-view';

/** GET /v1/admin/webhooks */
export class ListEndpointsQuery extends Query<{ items: EndpointView[] }> {}
