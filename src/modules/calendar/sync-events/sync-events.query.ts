import { Query } from '@nestjs/cqrs';
import type { EventPage } from '../list-events/list-events.query';
import type { SyncCursor, SyncToken } from '../read-model/page-tokens';

/** Every event changed after the token (or the cursor, further along), in apply order. */
export class SyncEventsQuery extends Query<EventPage> {
  constructor(
    readonly from: SyncToken | SyncCursor,
    readonly limit: number,
  ) {
    super();
  }
}
