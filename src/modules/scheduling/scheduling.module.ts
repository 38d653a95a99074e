import { Module } from '@nestjs/common';
import { CalendarEventRepository } from './calendar-event.repository';
import { CancelEventHandler } from './cancel-event/cancel-event.handler';
import { ChangeEventDetailsHandler } from './change-event-details/change-event-details.handler';
import { GetEventHistoryHandler } from './get-event-history/get-event-history.handler';
import { GetEventHandler } from './get-event/get-event.handler';
import { ImportListingHandler } from './import-listing/import-listing.handler';
import { RescheduleEventHandler } from './reschedule-event/reschedule-event.handler';
import { ScheduleEventHandler } from './schedule-event/schedule-event.handler';
import { ChangeOccurrenceHandler } from './occurrences/change-occurrence.handler';
import { SplitSeriesHandler } from './occurrences/split-series.handler';
import { PreviewEventHandler } from './preview-event/preview-event.handler';
import { ChangeRecurrenceHandler } from './change-recurrence/change-recurrence.handler';

const handlers = [
  ScheduleEventHandler,
  RescheduleEventHandler,
  ChangeEventDetailsHandler,
  CancelEventHandler,
  ImportListingHandler,
  GetEventHandler,
  GetEventHistoryHandler,
  ChangeOccurrenceHandler,
  SplitSeriesHandler,
  PreviewEventHandler,
  ChangeRecurrenceHandler,
];

/** Commands and queries of the CalendarEvent aggregate (no HTTP: see SchedulingHttpModule). */
@Module({ providers: [CalendarEventRepository, ...handlers], exports: [CalendarEventRepository] })
export class SchedulingModule {}
