import type { CalendarEventState } from '../../scheduling/domain/calendar-event';
import type { Programme } from '../../scheduling/domain/events';
import type { EventTime } from '../../scheduling/domain/time';
import { EventRepresentation, represent } from '../../scheduling/event-representation';

/** The live read model's physical table (reads only: the projection writes through ctx.table). */
export const CALENDAR_TABLE = 'calendar_events';

/** One row of `calendar_events` as node-postgres returns it (bigints as text). */
export interface CalendarRow {
  id: string;
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
  version: number;
  last_position: string;
  change_seq: string;
  updated_at: Date;
}

/** Every non-generated column; `change_seq` and `last_position` as text so no precision is lost. */
export const ROW_COLUMNS =
  'id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value, starts_at, ends_at, cancel_reason, version, last_position::text AS last_position, change_seq::text AS change_seq, updated_at';

/** Same format as the domain's derived instants (luxon, no milliseconds): list and item agree. */
export const instant = (d: Date): string => d.toISOString().replace(/\.000Z$/, 'Z');

export function stateOf(row: CalendarRow): CalendarEventState {
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
    instants: { startsAt: instant(row.starts_at), endsAt: instant(row.ends_at) },
    cancelReason: row.cancel_reason,
  };
}

/** The public shape, through scheduling's own `represent`, so list items and GET :id never drift apart. */
export const representRow = (row: CalendarRow): EventRepresentation => represent(row.id, stateOf(row), row.version);
