import type { EventStateColumns } from '../../calendar/read-model/calendar-row';

/** The history table's name; the projection writes it only through ctx.table. */
export const HISTORY_TABLE = 'calendar_history';
export const HISTORY_PROJECTION = 'calendar-history';

/** One version of one event, valid over recorded time [valid_from, valid_to); its state as `stateOf` reads it. */
export interface HistoryRow extends EventStateColumns {
  id: string;
  version: number;
  valid_from: Date;
  valid_to: Date | null;
  event_type: string;
  actor: string | null;
  position: string;
}

export const HISTORY_COLUMNS =
  'id, version, valid_from, valid_to, status, title, description, programme, city, country, venue, time_zone, start_value, end_value, starts_at, ends_at, cancel_reason, recurrence, overrides, event_type, actor, position::text AS position';
