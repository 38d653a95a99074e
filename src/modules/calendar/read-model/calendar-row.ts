import type { StoredEvent } from '../../../events/envelope';
import { type CalendarEventState, occurrenceOf, seriesEnd } from '../../scheduling/domain/calendar-event';
import { occurrenceTimeFromKey } from '../../scheduling/domain/recurrence';
import type { Programme } from '../../scheduling/domain/events';
import { type EventTime, isoInstant } from '../../scheduling/domain/time';
import { EventRepresentation, represent } from '../../scheduling/event-representation';

/** The live read model's physical table (reads only: the projection writes through ctx.table). */
export const CALENDAR_TABLE = 'calendar_events';

/** The columns that hold an event's state, alike in the calendar view and every history version. */
export interface EventStateColumns {
  status: 'scheduled' | 'cancelled';
  title: string;
  description: string;
  programme: Programme | null;
  city: string;
  country: string;
  venue: string | null;
  time_zone: string;
  start_value: EventTime;
  end_value: EventTime;
  starts_at: Date;
  ends_at: Date;
  cancel_reason: string | null;
  /** Only the calendar view keeps a series' lines and changed instances (history versions do not). */
  recurrence?: string[] | null;
  overrides?: CalendarEventState['overrides'];
}

/** One row of `calendar_events` as node-postgres returns it (bigints as text). */
export interface CalendarRow extends EventStateColumns {
  id: string;
  version: number;
  last_position: string;
  change_seq: string;
  updated_at: Date;
}

/** Every non-generated column; `change_seq` and `last_position` as text so no precision is lost. */
export const ROW_COLUMNS =
  'id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value, starts_at, ends_at, cancel_reason, recurrence, overrides, version, last_position::text AS last_position, change_seq::text AS change_seq, updated_at';

/** The event's state as a row of either view holds it (instants in the domain's own form, so list and item agree). */
export function stateOf(row: EventStateColumns): CalendarEventState {
  return {
    status: row.status,
    details: {
      title: row.title,
      description: row.description,
      programme: row.programme,
      location: { city: row.city, country: row.country.trim(), venue: row.venue },
    },
    timeZone: row.time_zone,
    start: row.start_value,
    end: row.end_value,
    instants: { startsAt: isoInstant(row.starts_at), endsAt: isoInstant(row.ends_at) },
    cancelReason: row.cancel_reason,
    recurrence: row.recurrence ?? null,
    overrides: row.overrides ?? {},
  };
}

/**
 * The reverse of `stateOf`: the values of EventStateColumns' columns, in their declared order
 * (start and end as JSON text for jsonb), for an event that has been scheduled.
 */
export function stateColumns(s: CalendarEventState, e: Pick<StoredEvent, 'type' | 'position'>): unknown[] {
  if (s.status === 'absent' || !s.details || !s.instants) throw new Error(`${e.type} at position ${e.position} before EventScheduled`);
  const { title, description, programme, location } = s.details;
  return [
    s.status, title, description, programme, location.city, location.country, location.venue ?? null, s.timeZone,
    JSON.stringify(s.start), JSON.stringify(s.end), s.instants.startsAt, s.instants.endsAt, s.cancelReason,
  ];
}

/** The series columns of the calendar view ($ recurrence, overrides, series_ends_at) for a state. */
export function seriesColumns(s: CalendarEventState): unknown[] {
  if (!s.recurrence) return [null, '{}', null];
  const end = seriesEnd(s);
  return [JSON.stringify(s.recurrence), JSON.stringify(s.overrides), end === null ? null : new Date(end).toISOString()];
}

/** The public shape, through scheduling's own `represent`, so list items and GET :id never drift apart. */
export const representRow = (row: CalendarRow): EventRepresentation => represent(row.id, stateOf(row), row.version);

/**
 * One instance of a series row, as a row of its own (same id and version as the series, the
 * instance's times, details and status), or null when the series makes no instance at that
 * original start (`occurrenceKey`). What the feed and the emails about one instance show.
 */
export function occurrenceRow(row: CalendarRow, occurrence: string): CalendarRow | null {
  if (!row.recurrence) return null;
  const o = occurrenceOf(stateOf(row), occurrenceTimeFromKey(occurrence));
  if (!o) return null;
  return {
    ...row,
    status: o.status,
    title: o.details.title,
    description: o.details.description,
    programme: o.details.programme,
    city: o.details.location.city,
    country: o.details.location.country,
    venue: o.details.location.venue,
    start_value: o.start,
    end_value: o.end,
    starts_at: new Date(o.instants.startsAt),
    ends_at: new Date(o.instants.endsAt),
    cancel_reason: o.cancelReason,
    recurrence: null,
  };
}
