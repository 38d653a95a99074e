import type { EventTime } from './time';

export const PROGRAMMES = ['education', 'social-sciences', 'natural-sciences', 'culture', 'communication-information'] as const;
export type Programme = (typeof PROGRAMMES)[number];

export interface Location {
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  venue: string | null;
}

export interface EventDetails {
  title: string;
  description: string;
  programme: Programme | null;
  location: Location;
}

/** The CalendarEvent stream's events: names and fields are contract (docs/architecture.md, Events). */
export type EventScheduled = {
  type: 'EventScheduled';
  data: EventDetails & { timeZone: string; start: EventTime; end: EventTime; recurrence?: string[] };
};
export type EventRescheduled = {
  type: 'EventRescheduled';
  data: { start: EventTime; end: EventTime; timeZone: string; reason: string | null };
};
export type EventDetailsChanged = { type: 'EventDetailsChanged'; data: Partial<EventDetails> };
export type EventCancelled = { type: 'EventCancelled'; data: { reason: string } };

/** The rule of the whole series (RFC 5545 RRULE/EXDATE/RDATE lines). */
export type RecurrenceChanged = { type: 'RecurrenceChanged'; data: { recurrence: string[]; reason: string | null } };
/** One instance, named by its start as the rule made it, moved. */
export type OccurrenceRescheduled = {
  type: 'OccurrenceRescheduled';
  data: { originalStart: EventTime; start: EventTime; end: EventTime; reason: string | null };
};
export type OccurrenceDetailsChanged = { type: 'OccurrenceDetailsChanged'; data: { originalStart: EventTime } & Partial<EventDetails> };
export type OccurrenceCancelled = { type: 'OccurrenceCancelled'; data: { originalStart: EventTime; reason: string } };

export type CalendarEventEvent = EventScheduled | EventRescheduled | EventDetailsChanged | EventCancelled | RecurrenceChanged | OccurrenceRescheduled | OccurrenceDetailsChanged | OccurrenceCancelled;
export type CalendarEventEventType = CalendarEventEvent['type'];
export const CALENDAR_EVENT_TYPES: CalendarEventEventType[] = [
  'EventScheduled',
  'EventRescheduled',
  'EventDetailsChanged',
  'EventCancelled',
  'RecurrenceChanged',
  'OccurrenceRescheduled',
  'OccurrenceDetailsChanged',
  'OccurrenceCancelled',
];

export const calendarEventStream = (id: string): string => `calendar-event-${id}`;
export const CALENDAR_EVENT_STREAM_PREFIX = 'calendar-event-';
