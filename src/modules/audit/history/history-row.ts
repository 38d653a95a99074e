import { type EventStateColumns, SERIES_COLUMN_TYPES, STATE_COLUMN_TYPES, columnNames } from '../../calendar/read-model/calendar-row';

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

/** A version row's columns with their SQL types: what the projection writes (as JSON records) and the read model reads. */
export const HISTORY_COLUMN_TYPES = `id uuid, version integer, valid_from timestamptz, valid_to timestamptz, ${STATE_COLUMN_TYPES}, event_type text, actor text, position bigint, ${SERIES_COLUMN_TYPES}`;

/** What reads select: a series' end is only for the as-of query's filter. */
export const HISTORY_COLUMNS = columnNames(HISTORY_COLUMN_TYPES)
  .filter((c) => c !== 'series_ends_at')
  .map((c) => (c === 'position' ? 'position::text AS position' : c))
  .join(', ');
