import { Query } from '@nestjs/cqrs';
import type { DeliveryAttempt } from '../endpoints.repository';

/** One attempt as admins read it: the recorded attempt, with its time as an ISO instant. */
export interface DeliveryView extends DeliveryAttempt {
  id: string;
  attemptedAt: string;
}

/** GET /v1/admin/webhooks/:id/deliveries — newest first; `before` pages back. */
export class ListDeliveriesQuery extends Query<{ items: DeliveryView[]; nextBefore: string | null }> {
  constructor(
    readonly endpointId: string,
    readonly limit: number,
    readonly before?: string,
  ) {
    super();
  }
}
