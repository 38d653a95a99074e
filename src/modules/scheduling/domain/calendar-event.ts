import type { Decider } from '../../../events/aggregate';
import type { CalendarEventCommand, OriginalStartRef } from './commands';
import { eventAlreadyExists, eventCancelled, eventNotFound, instanceCancelled, instanceNotInSeries, invalidRecurrence, invalidTime, notRecurring } from './errors';
import type { CalendarEventEvent, EventDetails, Location } from './events';
import { checkCountry, checkProgramme, checkText, checkTimeZoneText } from './limits';
import {
  RecurrenceRuleError,
  SeriesTiming,
  expand,
  expandStarts,
  instanceOf,
  lastRuleEnd,
  occurrenceKey,
  occurrenceTimeFromKey,
  originalStartFromToken,
  parseRecurrence,
  produces,
} from './recurrence';
import { EventTime, Instants, TimeRuleError, canonicalTimeZone, isAllDay, sameTime, toInstants } from './time';

export type CalendarEventStatus = 'scheduled' | 'cancelled';

export interface CalendarEventState {
  status: 'absent' | CalendarEventStatus;
  details: EventDetails | null;
  timeZone: string;
  start: EventTime | null;
  end: EventTime | null;
  instants: Instants | null;
  cancelReason: string | null;
  /** RFC 5545 lines when the event is a recurring series. */
  recurrence: string[] | null;
  /** A series' changed instances, by `occurrenceKey(originalStart)`. */
  overrides: Readonly<Record<string, Override>>;
}

/** What one instance of a series changed: only what was changed is stored, so the series' later changes show through. */
export interface Override {
  start?: EventTime;
  end?: EventTime;
  details?: Partial<EventDetails>;
  cancelled?: { reason: string };
}

export const initialState: CalendarEventState = {
  status: 'absent',
  details: null,
  timeZone: 'UTC',
  start: null,
  end: null,
  instants: null,
  cancelReason: null,
  recurrence: null,
  overrides: {},
};

/** One instance of a series as it stands: the rule's instance with its override applied. */
export interface Occurrence {
  originalStart: EventTime;
  start: EventTime;
  end: EventTime;
  instants: Instants;
  details: EventDetails;
  status: CalendarEventStatus;
  cancelReason: string | null;
  /** The instance differs from what the series alone makes of it. */
  changed: boolean;
  /** The UTC instant of `originalStart` (what the instance id is made of). */
  originalStartsAt: string;
}

export function seriesTiming(state: CalendarEventState): SeriesTiming | null {
  if (!state.recurrence || !state.start || !state.end) return null;
  return { start: state.start, end: state.end, timeZone: state.timeZone, recurrence: state.recurrence };
}

/** The instance at `originalStart`, or null when the series does not produce one there. */
export function occurrenceOf(state: CalendarEventState, originalStart: EventTime): Occurrence | null {
  const series = seriesTiming(state);
  if (!series || !produces(series, originalStart)) return null;
  return applyOverride(state, instanceOf(series, originalStart));
}

export function applyOverride(state: CalendarEventState, base: { originalStart: EventTime; start: EventTime; end: EventTime; instants: Instants }): Occurrence {
  const o = state.overrides[occurrenceKey(base.originalStart)];
  const start = o?.start ?? base.start;
  const end = o?.end ?? base.end;
  const instants = o?.start ? toInstants(start, end, state.timeZone, { lenient: true }) : base.instants;
  const cancelled = state.status === 'cancelled' || o?.cancelled !== undefined;
  return {
    originalStart: base.originalStart,
    start,
    end,
    instants,
    details: { ...state.details!, ...(o?.details ?? {}) },
    status: cancelled ? 'cancelled' : 'scheduled',
    cancelReason: state.status === 'cancelled' ? state.cancelReason : (o?.cancelled?.reason ?? null),
    changed: o !== undefined,
    originalStartsAt: base.instants.startsAt,
  };
}

const overlaps = (o: Occurrence, from: number, to: number): boolean => {
  const s = Date.parse(o.instants.startsAt);
  const e = Date.parse(o.instants.endsAt);
  return e > s ? s < to && e > from : s >= from && s < to;
};

/**
 * The series' instances whose [startsAt, endsAt) overlaps [from, to) (UTC millis), overrides
 * applied: an instance moved into the window is in it, one moved out is not. In start order,
 * cancelled ones only when asked for, at most `limit`.
 */
export function occurrencesBetween(state: CalendarEventState, from: number, to: number, options: { includeCancelled?: boolean; limit?: number } = {}): Occurrence[] {
  const series = seriesTiming(state);
  if (!series || !state.details) return [];
  const limit = options.limit ?? 5000;
  const byKey = new Map<string, Occurrence>();
  for (const base of expand(series, from, to, limit)) byKey.set(occurrenceKey(base.originalStart), applyOverride(state, base));
  for (const [key, o] of Object.entries(state.overrides)) {
    if (!o.start || byKey.has(key)) continue;
    const moved = occurrenceOf(state, key.length === 10 ? { date: key } : { dateTime: key });
    if (moved) byKey.set(key, moved);
  }
  return [...byKey.values()]
    .filter((o) => overlaps(o, from, to) && (options.includeCancelled || o.status !== 'cancelled'))
    .sort((a, b) => a.instants.startsAt.localeCompare(b.instants.startsAt))
    .slice(0, limit);
}

/**
 * The start instants (UTC millis, ascending) of what `occurrencesBetween` returns with the same
 * arguments, without building the occurrences: a series with no changed instance needs only its
 * rule's instants (each instance then has the series' status); one with changes goes the long way.
 */
export function occurrenceStartsBetween(state: CalendarEventState, from: number, to: number, options: { includeCancelled?: boolean; limit?: number } = {}): number[] {
  const series = seriesTiming(state);
  if (!series || !state.details) return [];
  if (Object.keys(state.overrides).length > 0) return occurrencesBetween(state, from, to, options).map((o) => Date.parse(o.instants.startsAt));
  if (state.status === 'cancelled' && !options.includeCancelled) return [];
  return expandStarts(series, from, to, options.limit ?? 5000).sort((a, b) => a - b);
}

/**
 * Where the series' last instance ends (UTC millis), or null when it has no end: what a window
 * query compares to find the series that may have instances in the window.
 */
export function seriesEnd(state: CalendarEventState): number | null {
  const series = seriesTiming(state);
  if (!series || !state.instants) return null;
  const last = lastRuleEnd(series);
  if (last === null) return null;
  let end = Math.max(last, Date.parse(state.instants.endsAt));
  for (const key of Object.keys(state.overrides)) {
    const o = occurrenceOf(state, occurrenceTimeFromKey(key));
    if (o) end = Math.max(end, Date.parse(o.instants.endsAt));
  }
  return end;
}

/** Overrides whose instance the (new) timing still produces; the rest are dropped with the change that removed them. */
function keptOverrides(state: CalendarEventState): Record<string, Override> {
  const series = seriesTiming(state);
  if (!series) return {};
  const kept: Record<string, Override> = {};
  for (const [key, o] of Object.entries(state.overrides)) {
    const original: EventTime = key.length === 10 ? { date: key } : { dateTime: key };
    if (produces(series, original)) kept[key] = o;
  }
  return kept;
}

function checkedRecurrence(lines: unknown, start: EventTime, zone: string): void {
  try {
    parseRecurrence(lines, start, zone);
  } catch (err) {
    if (err instanceof RecurrenceRuleError) throw invalidRecurrence(`recurrence: ${err.message}`);
    throw err;
  }
}

/** The original start an instance id's token names in this series, or null. */
export function resolveOriginalStart(state: CalendarEventState, ref: OriginalStartRef): EventTime | null {
  if (!('instanceToken' in ref)) return ref;
  if (!state.start) return null;
  return originalStartFromToken(ref.instanceToken, { start: state.start, timeZone: state.timeZone });
}

/** The live instance a command names (series live, instance produced and not cancelled). */
function liveOccurrence(state: CalendarEventState, ref: OriginalStartRef): Occurrence {
  live(state);
  if (!state.recurrence) throw notRecurring();
  const originalStart = resolveOriginalStart(state, ref);
  const occurrence = originalStart && occurrenceOf(state, originalStart);
  if (!occurrence) throw instanceNotInSeries();
  if (occurrence.status === 'cancelled') throw instanceCancelled();
  return occurrence;
}

/** The details after a change's fields (`location` may be partial): what a change-details would leave. */
export function detailsAfter(current: EventDetails, command: Partial<Omit<EventDetails, 'location'>> & { location?: Partial<Location> }): EventDetails {
  return { ...current, ...changedDetails(current, command) };
}

function changedDetails(current: EventDetails, command: Partial<Omit<EventDetails, 'location'>> & { location?: Partial<Location> }): Partial<EventDetails> {
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
  return changed;
}

const sameLines = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((line, i) => line === b[i]);

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
    case 'reschedule-occurrence':
      if (command.timeZone !== undefined) checkTimeZoneText('timeZone', command.timeZone);
      if (command.reason != null) checkText('reason', 'reason', command.reason);
      return;
    case 'change-recurrence':
      if (command.reason != null) checkText('reason', 'reason', command.reason);
      return;
    case 'change-details':
    case 'change-occurrence-details':
      if (command.title !== undefined) checkText('title', 'title', command.title, { required: true });
      if (command.description !== undefined) checkText('description', 'description', command.description);
      if (command.programme !== undefined) checkProgramme('programme', command.programme);
      if (command.location?.city !== undefined) checkText('location.city', 'city', command.location.city, { required: true });
      if (command.location?.country !== undefined) checkCountry('location.country', command.location.country);
      if (command.location?.venue != null) checkText('location.venue', 'venue', command.location.venue);
      return;
    case 'cancel':
    case 'cancel-occurrence':
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
      const { title, description, programme, location, start, end, recurrence } = command;
      const timeZone = canonicalTimeZone(command.timeZone);
      if (recurrence !== undefined) checkedRecurrence(recurrence, start, timeZone);
      const data = { title, description, programme, location: { ...location, venue: location.venue ?? null }, timeZone, start, end };
      return [{ type: 'EventScheduled', data: recurrence === undefined ? data : { ...data, recurrence: [...recurrence] } }];
    }
    case 'reschedule': {
      live(state);
      const timeZone = command.timeZone ? canonicalTimeZone(command.timeZone) : state.timeZone;
      checkedInstants(command.start, command.end, timeZone);
      // The rule must still make sense from the new start (UNTIL after it, at least one instance).
      if (state.recurrence) checkedRecurrence(state.recurrence, command.start, timeZone);
      if (timeZone === state.timeZone && sameTime(command.start, state.start!) && sameTime(command.end, state.end!)) return [];
      return [{ type: 'EventRescheduled', data: { start: command.start, end: command.end, timeZone, reason: command.reason ?? null } }];
    }
    case 'change-details': {
      live(state);
      const changed = changedDetails(state.details!, command);
      return Object.keys(changed).length === 0 ? [] : [{ type: 'EventDetailsChanged', data: changed }];
    }
    case 'cancel': {
      live(state);
      return [{ type: 'EventCancelled', data: { reason: command.reason } }];
    }
    case 'change-recurrence': {
      live(state);
      checkedRecurrence(command.recurrence, state.start!, state.timeZone);
      if (state.recurrence && sameLines(state.recurrence, command.recurrence)) return [];
      return [{ type: 'RecurrenceChanged', data: { recurrence: [...command.recurrence], reason: command.reason ?? null } }];
    }
    case 'reschedule-occurrence': {
      const occurrence = liveOccurrence(state, command.originalStart);
      if (command.timeZone !== undefined && canonicalTimeZone(command.timeZone) !== state.timeZone) {
        throw invalidTime('timeZone', `an instance keeps the series' time zone (${state.timeZone}); reschedule the series to change it`);
      }
      if (isAllDay(command.start) !== isAllDay(state.start!)) {
        throw invalidTime('start', `an instance of ${isAllDay(state.start!) ? 'an all-day' : 'a timed'} series must be ${isAllDay(state.start!) ? 'dates' : 'date-times'}`);
      }
      checkedInstants(command.start, command.end, state.timeZone);
      if (sameTime(command.start, occurrence.start) && sameTime(command.end, occurrence.end)) return [];
      return [{ type: 'OccurrenceRescheduled', data: { originalStart: occurrence.originalStart, start: command.start, end: command.end, reason: command.reason ?? null } }];
    }
    case 'change-occurrence-details': {
      const occurrence = liveOccurrence(state, command.originalStart);
      const changed = changedDetails(occurrence.details, command);
      return Object.keys(changed).length === 0 ? [] : [{ type: 'OccurrenceDetailsChanged', data: { originalStart: occurrence.originalStart, ...changed } }];
    }
    case 'cancel-occurrence': {
      const occurrence = liveOccurrence(state, command.originalStart);
      return [{ type: 'OccurrenceCancelled', data: { originalStart: occurrence.originalStart, reason: command.reason } }];
    }
  }
}

function withOverride(state: CalendarEventState, originalStart: EventTime, change: (o: Override) => Override): CalendarEventState {
  const key = occurrenceKey(originalStart);
  return { ...state, overrides: { ...state.overrides, [key]: change(state.overrides[key] ?? {}) } };
}

/** Pure: the state after `event`. Total over every event the stream can hold. */
export function evolve(state: CalendarEventState, event: CalendarEventEvent): CalendarEventState {
  switch (event.type) {
    case 'EventScheduled': {
      const { timeZone, start, end, recurrence, ...details } = event.data;
      return {
        ...state,
        status: 'scheduled',
        details,
        timeZone,
        start,
        end,
        instants: toInstants(start, end, timeZone, { lenient: true }),
        recurrence: recurrence ?? null,
        overrides: {},
      };
    }
    case 'EventRescheduled': {
      const { start, end, timeZone } = event.data;
      const next = { ...state, start, end, timeZone, instants: toInstants(start, end, timeZone, { lenient: true }) };
      return { ...next, overrides: keptOverrides(next) };
    }
    case 'RecurrenceChanged': {
      const next = { ...state, recurrence: event.data.recurrence };
      return { ...next, overrides: keptOverrides(next) };
    }
    case 'OccurrenceRescheduled': {
      const { originalStart, start, end } = event.data;
      return withOverride(state, originalStart, (o) => ({ ...o, start, end }));
    }
    case 'OccurrenceDetailsChanged': {
      const { originalStart, ...changed } = event.data;
      return withOverride(state, originalStart, (o) => ({ ...o, details: { ...o.details, ...changed } }));
    }
    case 'OccurrenceCancelled': {
      const { originalStart, reason } = event.data;
      return withOverride(state, originalStart, (o) => ({ ...o, cancelled: { reason } }));
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
