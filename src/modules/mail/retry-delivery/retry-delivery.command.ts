import { Command } from '@nestjs/cqrs';
import type { Delivery } from '../deliveries';

/** POST /v1/admin/deliveries/:key/retry — send a failed delivery again, once. */
export class RetryDeliveryCommand extends Command<Delivery> {
  constructor(
    readonly deliveryKey: string,
    /** The admin who asked, recorded as the row's reason. */
    readonly actor: string,
  ) {
    super();
  }
}
