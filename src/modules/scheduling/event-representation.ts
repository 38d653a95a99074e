import type { CalendarEventState } from './domain/calendar-event';

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
  };
}
