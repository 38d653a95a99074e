import { Command } from '@nestjs/cqrs';
import type { EndpointView } from '../endpoint-view';

/** POST /v1/admin/webhooks/:id/replay — send again every event after `fromPosition` (0: the whole log). */
export class ReplayEndpointCommand extends Command<EndpointView> {
  constructor(
    readonly id: string,
    readonly fromPosition: string,
  ) {
    super();
  }
}
