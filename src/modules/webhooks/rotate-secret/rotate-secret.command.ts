import { Command } from '@nestjs/cqrs';
import type { EndpointWithSecret } from '../endpoint-view';

/** POST /v1/admin/webhooks/:id/rotate-secret — a new secret; the old one signs alongside for 24 h. */
export class RotateSecretCommand extends Command<EndpointWithSecret> {
  constructor(readonly id: string) {
    super();
  }
}
