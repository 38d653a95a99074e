import { Query } from '@nestjs/cqrs';
import type { CalendarFilters } from '../read-model/calendar.read-model';

export interface CalendarFeed {
  ics: string;
  count: number;
  /** More events matched than the feed's cap; the newest were kept. */
  truncated: boolean;
}

/** The iCalendar feed of the same filters as GET /v1/events, without paging. */
export class GetCalendarFeedQuery extends Query<CalendarFeed> {
  constructor(readonly filters: CalendarFilters) {
    super();
  }
}
