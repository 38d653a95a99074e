import { type CalendarEventState, evolve } from './calendar-event';
import type { CalendarEventEvent } from './events';
import { toInstants } from './time';

/**
 * `events.reduce(evolve, state)`, for a replay that folds many events of one stream at once
 * (property-tested to give the same state and to throw on the same event). It changes one
 * private copy of the state in place instead of allocating a state (and details) per event,
 * most of a rebuild's fold; `state` itself is never changed and `evolve` stays the definition.
 */
export function evolveAll(state: CalendarEventState, events: readonly CalendarEventEvent[]): CalendarEventState {
  if (events.length === 0) return state;
  let s: CalendarEventState = { ...state };
  // Whether s.details was made here (so no other state holds it) and may be changed in place.
  let ownDetails = false;
  for (const e of events) {
    switch (e.type) {
      case 'EventScheduled': {
        const { timeZone, start, end, recurrence, ...details } = e.data;
        const instants = toInstants(start, end, timeZone, { lenient: true });
        s.status = 'scheduled';
        s.details = details;
        ownDetails = true;
        s.timeZone = timeZone;
        s.start = start;
        s.end = end;
        s.instants = instants;
        s.recurrence = recurrence ?? null;
        s.overrides = {};
        break;
      }
      case 'EventRescheduled': {
        // A series re-checks which changed instances its new timing keeps: evolve's own step.
        if (s.recurrence) {
          s = evolve(s, e);
          ownDetails = false;
          break;
        }
        const { start, end, timeZone } = e.data;
        const instants = toInstants(start, end, timeZone, { lenient: true });
        s.start = start;
        s.end = end;
        s.timeZone = timeZone;
        s.instants = instants;
        // Without a series evolve keeps no changed instance (an empty object; never changed in place).
        if (!isEmpty(s.overrides)) s.overrides = {};
        break;
      }
      case 'EventDetailsChanged':
        // A key `__proto__` (only a tampered log has one) would set the prototype through
        // Object.assign, where evolve's spread defines a property: the spread then, as evolve.
        if (ownDetails && s.details && !Object.hasOwn(e.data, '__proto__')) Object.assign(s.details, e.data);
        else {
          s.details = { ...s.details!, ...e.data };
          ownDetails = true;
        }
        break;
      case 'EventCancelled':
        s.status = 'cancelled';
        s.cancelReason = e.data.reason;
        break;
      default:
        // The series' own events (rare): evolve's step, on the copy.
        s = evolve(s, e);
        ownDetails = false;
    }
  }
  return s;
}

function isEmpty(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return false;
  return true;
}
