import type { EventDetails, Location } from './events';
import type { EventTime } from './time';

export type ScheduleEvent = { kind: 'schedule' } & EventDetails & { timeZone: string; start: EventTime; end: EventTime };
export type RescheduleEvent = { kind: 'reschedule'; start: EventTime; end: EventTime; timeZone?: string; reason?: string | null };
/** Only the fields given change; `location` may be partial (e.g. only the venue). */
export type ChangeEventDetails = { kind: 'change-details' } & Partial<Omit<EventDetails, 'location'>> & { location?: Partial<Location> };
export type CancelEvent = { kind: 'cancel'; reason: string };

export type CalendarEventCommand = ScheduleEvent | RescheduleEvent | ChangeEventDetails | CancelEvent;
