import type { CalendarEventState } from '../../scheduling/domain/calendar-event';
import type { Programme } from '../../scheduling/domain/events';
import type { EventTime } from '../../scheduling/domain/time';
import { instant } from '../../calendar/read-model/calendar-row';

/** The history table's name; the projection writes it only through ctx.table. */
export const HISTORY_TABLE = 'calendar_history';
export const HISTORY_PROJECTION = 'calendar-history';

/** One version of one event, valid over recorded time [valid_from, valid_to). */
export interface HistoryRow {
  id: string;
  version: number;
  valid_from: Date;
  valid_to: Date | null;
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
  event_type: string;
  actor: string | null;
  position: string;
}

export const HISTORY_COLUMNS =
  'id, version, valid_from, valid_to, status, title, description, programme, city, country, venue, time_zone, start_value, end_value, starts_at, ends_at, cancel_reason, event_type, actor, position::text AS position';

export function historyState(row: HistoryRow): CalendarEventState {
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
