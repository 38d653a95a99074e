import { Module } from '@nestjs/common';
import { ListPageCache } from './list-events/list-page.cache';
import { CalendarProjection } from './calendar.projection';
import { GetCalendarEventHandler } from './get-calendar-event/get-calendar-event.handler';
import { GetCalendarFeedHandler } from './get-calendar-feed/get-calendar-feed.handler';
import { ListEventsHandler } from './list-events/list-events.handler';
import { CalendarReadModel } from './read-model/calendar.read-model';
import { ReadModelWaiter } from '../../projections/read-model.waiter';
import { ViewVersion } from './read-model/view-version';
import { SyncEventsHandler } from './sync-events/sync-events.handler';

const handlers = [ListEventsHandler, SyncEventsHandler, GetCalendarFeedHandler, GetCalendarEventHandler];

/**
 * The calendar view: its projection (discovered by the projection registry wherever this
 * module is imported, every role) and its queries. No HTTP: see CalendarHttpModule.
 */
@Module({
  providers: [CalendarProjection, CalendarReadModel, ReadModelWaiter, ViewVersion, ListPageCache, ...handlers],
  exports: [CalendarProjection, CalendarReadModel, ReadModelWaiter, ViewVersion, ListPageCache],
})
export class CalendarModule {}
