import { isDeepStrictEqual } from 'node:util';
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
  /** A series' changed instances (by key) and the change_seq of the write that last changed each. */
  override_seqs?: Record<string, number>;
}

/**
 * The state columns with their SQL types, as both views declare them: each view writes its rows
 * as JSON records read back by `jsonb_to_recordset(...) AS x(<its column types>)`, built on this.
 */
export const STATE_COLUMN_TYPES =
  'status text, title text, description text, programme text, city text, country char(2), venue text, time_zone text, start_value jsonb, end_value jsonb, starts_at timestamptz, ends_at timestamptz, cancel_reason text';

/** The column names of a `name type, ...` list, in order. */
export const columnNames = (types: string): string[] => types.split(',').map((c) => c.trim().split(/\s+/)[0]);

/** Every non-generated column; `change_seq` and `last_position` as text so no precision is lost. */
export const ROW_COLUMNS = [
  'id',
  ...columnNames(STATE_COLUMN_TYPES),
  'recurrence',
  'overrides',
  'override_seqs',
  'version',
  'last_position::text AS last_position',
  'change_seq::text AS change_seq',
  'updated_at',
].join(', ');

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

/** The reverse of `stateOf`: the state columns of an event that has been scheduled, by name, as a JSON record for either view. */
export function stateRecord(s: CalendarEventState, e: Pick<StoredEvent, 'type' | 'position'>): Record<string, unknown> {
  if (s.status === 'absent' || !s.details || !s.instants) throw new Error(`${e.type} at position ${e.position} before EventScheduled`);
  const { title, description, programme, location } = s.details;
  return {
    status: s.status,
    title,
    description,
    programme,
    city: location.city,
    country: location.country,
    venue: location.venue ?? null,
    time_zone: s.timeZone,
    start_value: s.start,
    end_value: s.end,
    starts_at: s.instants.startsAt,
    ends_at: s.instants.endsAt,
    cancel_reason: s.cancelReason,
  };
}

/**
 * When each changed instance of a series last changed: kept from the row for an instance whose
 * override is unchanged, null (the write's own change_seq, filled in by the upsert) for one this
 * write changed. Instances whose override went away (the rule no longer makes them) drop out.
 */
export function overrideSeqs(before: CalendarEventState['overrides'] | undefined, seqs: Record<string, number> | undefined, after: CalendarEventState): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, o] of Object.entries(after.overrides)) {
    const kept = before?.[key] !== undefined && isDeepStrictEqual(before[key], o);
    out[key] = kept ? (seqs?.[key] ?? 0) : null;
  }
  return out;
}

/** A series' columns (its lines, changed instances and end) with their SQL types. */
export const SERIES_COLUMN_TYPES = 'recurrence jsonb, overrides jsonb, series_ends_at timestamptz';

/** The series columns (SERIES_COLUMN_TYPES) for a state, as a JSON record. */
export function seriesRecord(s: CalendarEventState): Record<string, unknown> {
  if (!s.recurrence) return { recurrence: null, overrides: {}, series_ends_at: null };
  const end = seriesEnd(s);
  return { recurrence: s.recurrence, overrides: s.overrides, series_ends_at: end === null ? null : new Date(end).toISOString() };
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
