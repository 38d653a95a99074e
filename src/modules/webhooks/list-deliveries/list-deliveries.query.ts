import { Query } from '@nestjs/cqrs';

export interface DeliveryView {
  id: string;
  eventId: string;
  position: string;
  eventType: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
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
