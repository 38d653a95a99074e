import type { EventDetails, Location } from './events';
import type { EventTime } from './time';

export type ScheduleEvent = { kind: 'schedule' } & EventDetails & { timeZone: string; start: EventTime; end: EventTime; recurrence?: string[] };
export type RescheduleEvent = { kind: 'reschedule'; start: EventTime; end: EventTime; timeZone?: string; reason?: string | null };
/** Only the fields given change; `location` may be partial (e.g. only the venue). */
export type ChangeEventDetails = { kind: 'change-details' } & Partial<Omit<EventDetails, 'location'>> & { location?: Partial<Location> };
export type CancelEvent = { kind: 'cancel'; reason: string };

export type ChangeRecurrence = { kind: 'change-recurrence'; recurrence: string[]; reason?: string | null };
/**
 * The instance-targeted commands name the instance by its start as the rule made it, or by the
 * token of its id (`YYYYMMDD` or `YYYYMMDDTHHmmssZ`), which only the series' state can read.
 */
export type OriginalStartRef = EventTime | { instanceToken: string };
export type RescheduleOccurrence = { kind: 'reschedule-occurrence'; originalStart: OriginalStartRef; start: EventTime; end: EventTime; timeZone?: string; reason?: string | null };
export type ChangeOccurrenceDetails = { kind: 'change-occurrence-details'; originalStart: OriginalStartRef } & Partial<Omit<EventDetails, 'location'>> & {
    location?: Partial<Location>;
  };
export type CancelOccurrence = { kind: 'cancel-occurrence'; originalStart: OriginalStartRef; reason: string };

export type CalendarEventCommand = ScheduleEvent | RescheduleEvent | ChangeEventDetails | CancelEvent | ChangeRecurrence | RescheduleOccurrence | ChangeOccurrenceDetails | CancelOccurrence;
