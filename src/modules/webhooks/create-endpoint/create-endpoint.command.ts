import { Command } from '@nestjs/cqrs';
import type { EndpointWithSecret } from '../endpoint-view';

/** POST /v1/admin/webhooks — the secret is in the answer, and never again. */
export class CreateEndpointCommand extends Command<EndpointWithSecret> {
  constructor(
    readonly url: string,
    readonly eventTypes: string[],
    readonly description: string | null,
  ) {
    super();
  }
}
