import { Command } from '@nestjs/cqrs';

/** DELETE /v1/admin/webhooks/:id — the endpoint and its delivery record. */
export class DeleteEndpointCommand extends Command<void> {
  constructor(readonly id: string) {
    super();
  }
}
