import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../../events/envelope';
import { RegisterProjection } from '../../../projections/projection.decorator';
import { type Projection, type ProjectionContext, byStream } from '../../../projections/projection';
import { CalendarEventState, evolve, initialState } from '../../scheduling/domain/calendar-event';
import { CALENDAR_EVENT_STREAM_PREFIX, CALENDAR_EVENT_TYPES, CalendarEventEvent } from '../../scheduling/domain/events';
import { columnNames, seriesRecord, stateOf, stateRecord } from '../../calendar/read-model/calendar-row';
import { HISTORY_COLUMNS, HISTORY_COLUMN_TYPES, HISTORY_PROJECTION, HISTORY_TABLE, HistoryRow } from './history-row';

/**
 * The calendar through recorded time: every event appends a version row and closes the
 * previous one at the instant the new one was recorded. As-of queries become an indexed
 * lookup (`recorded @> T`) instead of folding the log per request. Deterministic, no side
 * effects, written only through ctx.table: rebuilds and replays produce the same rows.
 */
@Injectable()
@RegisterProjection()
export class CalendarHistoryProjection implements Projection {
  readonly name = HISTORY_PROJECTION;
  readonly eventTypes: readonly string[] = CALENDAR_EVENT_TYPES;
  readonly tables = [HISTORY_TABLE] as const;

  /**
   * Three statements per batch, whatever its size: lock the streams' open versions, then close
   * each version at the instant the next one was recorded (GREATEST: writers' clocks may differ
   * by a little, and a version never ends before it began) and insert the new ones, the last
   * of each stream left open.
   */
  async apply(batch: StoredEvent[], ctx: ProjectionContext): Promise<void> {
    const streams = byStream(batch, CALENDAR_EVENT_STREAM_PREFIX);
    if (streams.size === 0) return;
    const table = ctx.table(HISTORY_TABLE);
    const open: HistoryRow[] = await ctx.tx.query(`SELECT ${HISTORY_COLUMNS} FROM ${table} WHERE id = ANY($1::uuid[]) AND valid_to IS NULL ORDER BY id FOR UPDATE`, [[...streams.keys()]]);
    const openById = new Map(open.map((r) => [r.id, r]));
    const closes: { id: string; version: number; at: string }[] = [];
    const rows: Record<string, unknown>[] = [];
    for (const [id, list] of streams) {
      const prev = openById.get(id);
      let state = prev ? stateOf(prev) : initialState;
      let version = prev?.version ?? 0;
      let added: Record<string, unknown> | null = null;
      for (const e of list) {
        if (e.version <= version) continue; // exactly-once is the runner's job; this guards a replay into a table that already has it
        state = evolve(state, { type: e.type, data: e.data } as CalendarEventEvent);
        if (added) added.valid_to = new Date(Math.max(Date.parse(added.valid_from as string), e.recordedAt.getTime())).toISOString();
        else if (prev) closes.push({ id, version: prev.version, at: e.recordedAt.toISOString() });
        added = record(id, e, state);
        rows.push(added);
        version = e.version;
      }
    }
    if (closes.length) {
      await ctx.tx.query(
        `UPDATE ${table} AS h SET valid_to = GREATEST(h.valid_from, c.at)
           FROM unnest($1::uuid[], $2::integer[], $3::timestamptz[]) AS c(id, version, at) WHERE h.id = c.id AND h.version = c.version`,
        [closes.map((c) => c.id), closes.map((c) => c.version), closes.map((c) => c.at)],
      );
    }
    if (rows.length) {
      await ctx.tx.query(`INSERT INTO ${table} (${RECORD_COLUMNS}) SELECT ${RECORD_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${HISTORY_COLUMN_TYPES})`, [JSON.stringify(rows)]);
    }
  }
}

const RECORD_COLUMNS = columnNames(HISTORY_COLUMN_TYPES).join(', ');

/** One version row as jsonb_to_recordset reads it (HISTORY_COLUMN_TYPES). */
function record(id: string, e: StoredEvent, s: CalendarEventState): Record<string, unknown> {
  return {
    id,
    version: e.version,
    valid_from: e.recordedAt.toISOString(),
    valid_to: null,
    ...stateRecord(s, e),
    event_type: e.type,
    actor: e.metadata.actor ?? null,
    position: e.position,
    // A series' lines, changed instances and end, as the calendar view keeps them: as-of reads expand it.
    ...seriesRecord(s),
  };
}
