import type { CalendarEventState, Occurrence } from './domain/calendar-event';
import { instanceId } from './domain/recurrence';
import type { EventTime } from './domain/time';

/** The public shape of a calendar event (responses of every events route). */
export interface EventRepresentation {
  id: string;
  status: 'scheduled' | 'cancelled';
  title: string;
  description: string;
  programme: string | null;
  location: { city: string; country: string; venue: string | null };
  timeZone: string;
  start: CalendarEventState['start'];
  end: CalendarEventState['end'];
  startsAt: string;
  endsAt: string;
  cancelReason: string | null;
  version: number;
  /** A series: its RFC 5545 lines. */
  recurrence?: string[];
  /** An instance: its series' id and its start as the rule made it. */
  recurringEventId?: string;
  originalStart?: EventTime;
}

export function represent(id: string, state: CalendarEventState, version: number): EventRepresentation {
  if (state.status === 'absent' || !state.details || !state.instants) throw new Error('cannot represent an absent event');
  return {
    id,
    status: state.status,
    title: state.details.title,
    description: state.details.description,
    programme: state.details.programme,
    location: state.details.location,
    timeZone: state.timeZone,
    start: state.start,
    end: state.end,
    startsAt: state.instants.startsAt,
    endsAt: state.instants.endsAt,
    cancelReason: state.cancelReason,
    version,
    ...(state.recurrence ? { recurrence: state.recurrence } : {}),
  };
}

/** One instance of a series: `id` is the instance id; version and ETag are the series'. */
export function representOccurrence(seriesId: string, state: CalendarEventState, o: Occurrence, version: number): EventRepresentation {
  return {
    id: instanceId(seriesId, o.originalStart, state.timeZone, o.originalStartsAt),
    status: o.status,
    title: o.details.title,
    description: o.details.description,
    programme: o.details.programme,
    location: o.details.location,
    timeZone: state.timeZone,
    start: o.start,
    end: o.end,
    startsAt: o.instants.startsAt,
    endsAt: o.instants.endsAt,
    cancelReason: o.cancelReason,
    version,
    recurringEventId: seriesId,
    originalStart: o.originalStart,
  };
}
