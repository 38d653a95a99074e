import { Query } from '@nestjs/cqrs';
import type { StoredEvent } from '../../../events/envelope';

export class GetEventHistoryQuery extends Query<StoredEvent[]> {
  constructor(readonly id: string) {
    super();
  }
}
