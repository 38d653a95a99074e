import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { CalendarReadModel } from '../read-model/calendar.read-model';
import { CalendarFeed, GetCalendarFeedQuery } from './get-calendar-feed.query';
import { renderFeed } from './ics';

/**
 * A feed has no cursor (calendar clients cannot page), so it is capped: 5,000 events keep a
 * response in the low megabytes. Past the cap the NEWEST are kept, because a subscribed
 * calendar cares about what is coming, not about the oldest history; narrow with from/to.
 */
export const FEED_CAP = 5000;

@QueryHandler(GetCalendarFeedQuery)
export class GetCalendarFeedHandler implements IQueryHandler<GetCalendarFeedQuery> {
  constructor(
    private readonly model: CalendarReadModel,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ filters }: GetCalendarFeedQuery): Promise<CalendarFeed> {
    // A series is one entry (with its rule), found by its span, as calendar clients expand it.
    const rows = await this.model.newest({ ...filters, singleEvents: false }, FEED_CAP + 1);
    const kept = rows.slice(0, FEED_CAP).reverse();
    return { ics: renderFeed(kept, { name: 'almanac', baseUrl: this.config.PUBLIC_BASE_URL }), count: kept.length, truncated: rows.length > FEED_CAP };
  }
}
