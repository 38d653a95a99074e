import { Command } from '@nestjs/cqrs';
import type { EndpointStatus } from '../domain/endpoint';
import type { EndpointView } from '../endpoint-view';

/** PATCH /v1/admin/webhooks/:id — url, event types, description, or pause/resume. */
export class ChangeEndpointCommand extends Command<EndpointView> {
  constructor(
    readonly id: string,
    readonly changes: { url?: string; eventTypes?: string[]; description?: string | null; status?: EndpointStatus },
  ) {
    super();
  }
}
