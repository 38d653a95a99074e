import type { Decider } from '../../../events/aggregate';
import type { CalendarEventCommand } from './commands';
import { eventAlreadyExists, eventCancelled, eventNotFound, invalidTime } from './errors';
import type { CalendarEventEvent, EventDetails, Location } from './events';
import { checkCountry, checkProgramme, checkText, checkTimeZoneText } from './limits';
import { EventTime, Instants, TimeRuleError, canonicalTimeZone, sameTime, toInstants } from './time';

export type CalendarEventStatus = 'scheduled' | 'cancelled';

export interface CalendarEventState {
  status: 'absent' | CalendarEventStatus;
  details: EventDetails | null;
  timeZone: string;
  start: EventTime | null;
  end: EventTime | null;
  instants: Instants | null;
  cancelReason: string | null;
}

export const initialState: CalendarEventState = {
  status: 'absent', details: null, timeZone: 'UTC', start: null, end: null, instants: null, cancelReason: null,
};

function checkedInstants(start: EventTime, end: EventTime, zone: string): Instants {
  try {
    return toInstants(start, end, zone);
  } catch (err) {
    if (err instanceof TimeRuleError) throw invalidTime(err.field, err.message);
    throw err;
  }
}

function live(state: CalendarEventState): void {
  if (state.status === 'absent') throw eventNotFound();
  if (state.status === 'cancelled') throw eventCancelled();
}

const sameLocation = (a: Location, b: Location): boolean => a.city === b.city && a.country === b.country && (a.venue ?? null) === (b.venue ?? null);

/** The input limits of every field a command carries (absent optional fields are not checked). */
function checkLimits(command: CalendarEventCommand): void {
  switch (command.kind) {
    case 'schedule':
      checkText('title', 'title', command.title, { required: true });
      checkText('description', 'description', command.description);
      checkProgramme('programme', command.programme);
      checkText('location.city', 'city', command.location.city, { required: true });
      checkCountry('location.country', command.location.country);
      if (command.location.venue != null) checkText('location.venue', 'venue', command.location.venue);
      checkTimeZoneText('timeZone', command.timeZone);
      return;
    case 'reschedule':
      if (command.timeZone !== undefined) checkTimeZoneText('timeZone', command.timeZone);
      if (command.reason != null) checkText('reason', 'reason', command.reason);
      return;
    case 'change-details':
      if (command.title !== undefined) checkText('title', 'title', command.title, { required: true });
      if (command.description !== undefined) checkText('description', 'description', command.description);
      if (command.programme !== undefined) checkProgramme('programme', command.programme);
      if (command.location?.city !== undefined) checkText('location.city', 'city', command.location.city, { required: true });
      if (command.location?.country !== undefined) checkCountry('location.country', command.location.country);
      if (command.location?.venue != null) checkText('location.venue', 'venue', command.location.venue);
      return;
    case 'cancel':
      checkText('reason', 'reason', command.reason, { required: true });
  }
}

/** Pure: what happens when `command` meets `state`. No I/O, no clock. */
export function decide(state: CalendarEventState, command: CalendarEventCommand): CalendarEventEvent[] {
  checkLimits(command);
  switch (command.kind) {
    case 'schedule': {
      if (state.status !== 'absent') throw eventAlreadyExists();
      checkedInstants(command.start, command.end, command.timeZone);
      const { title, description, programme, location, start, end } = command;
      const timeZone = canonicalTimeZone(command.timeZone);
      return [{ type: 'EventScheduled', data: { title, description, programme, location: { ...location, venue: location.venue ?? null }, timeZone, start, end } }];
    }
    case 'reschedule': {
      live(state);
      const timeZone = command.timeZone ? canonicalTimeZone(command.timeZone) : state.timeZone;
      checkedInstants(command.start, command.end, timeZone);
      if (timeZone === state.timeZone && sameTime(command.start, state.start!) && sameTime(command.end, state.end!)) return [];
      return [{ type: 'EventRescheduled', data: { start: command.start, end: command.end, timeZone, reason: command.reason ?? null } }];
    }
    case 'change-details': {
      live(state);
      const current = state.details!;
      const changed: Partial<EventDetails> = {};
      if (command.title !== undefined && command.title !== current.title) changed.title = command.title;
      if (command.description !== undefined && command.description !== current.description) changed.description = command.description;
      if (command.programme !== undefined && command.programme !== current.programme) changed.programme = command.programme;
      if (command.location !== undefined) {
        const l = command.location;
        const next: Location = {
          city: l.city ?? current.location.city,
          country: l.country ?? current.location.country,
          venue: l.venue === undefined ? current.location.venue : l.venue,
        };
        if (!sameLocation(next, current.location)) changed.location = next;
      }
      return Object.keys(changed).length === 0 ? [] : [{ type: 'EventDetailsChanged', data: changed }];
    }
    case 'cancel': {
      live(state);
      return [{ type: 'EventCancelled', data: { reason: command.reason } }];
    }
  }
}

/** Pure: the state after `event`. Total over every event the stream can hold. */
export function evolve(state: CalendarEventState, event: CalendarEventEvent): CalendarEventState {
  switch (event.type) {
    case 'EventScheduled': {
      const { timeZone, start, end, ...details } = event.data;
      return { ...state, status: 'scheduled', details, timeZone, start, end, instants: toInstants(start, end, timeZone, { lenient: true }) };
    }
    case 'EventRescheduled': {
      const { start, end, timeZone } = event.data;
      return { ...state, start, end, timeZone, instants: toInstants(start, end, timeZone, { lenient: true }) };
    }
    case 'EventDetailsChanged':
      return { ...state, details: { ...state.details!, ...event.data } };
    case 'EventCancelled':
      return { ...state, status: 'cancelled', cancelReason: event.data.reason };
  }
}

export const calendarEventDecider: Decider<CalendarEventState, CalendarEventCommand, CalendarEventEvent> = {
  initialState,
  decide,
  evolve,
};
