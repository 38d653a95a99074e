import { Injectable } from '@nestjs/common';
import { Deliveries, EnqueueDelivery } from '../../mail/deliveries';
import { SubscriberDirectory } from '../../subscriptions/subscriber-directory';
import type { CalendarRow } from '../../calendar/read-model/calendar-row';

export const FAN_OUT_PAGE = 1000;

export interface Match {
  subscriptionId: string;
  leadTimes: string[];
}

/**
 * Pages through the confirmed subscriptions matching an event and enqueues one delivery per
 * chosen subscriber, a page at a time (one INSERT and one addBulk per page). Deliveries that
 * already exist are ignored by the mail module, so a retried or duplicated job sends nothing twice.
 */
@Injectable()
export class FanOut {
  constructor(
    private readonly directory: SubscriberDirectory,
    private readonly deliveries: Deliveries,
  ) {}

  async run(event: CalendarRow, deliver: (m: Match) => EnqueueDelivery | null): Promise<{ matched: number; enqueued: number }> {
    let after: string | undefined;
    let matched = 0;
    let enqueued = 0;
    for (;;) {
      const page = await this.directory.matching({ id: event.id, country: event.country.trim(), programme: event.programme }, { after, limit: FAN_OUT_PAGE });
      const list = page.map(deliver).filter((d): d is EnqueueDelivery => d !== null);
      matched += list.length;
      if (list.length) enqueued += await this.deliveries.enqueueMany(list);
      if (page.length < FAN_OUT_PAGE) return { matched, enqueued };
      after = page[page.length - 1].subscriptionId;
    }
  }
}
