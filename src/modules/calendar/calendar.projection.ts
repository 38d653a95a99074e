import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../events/envelope';
import { RegisterProjection } from '../../projections/projection.decorator';
import { type Projection, type ProjectionContext, byStream } from '../../projections/projection';
import { evolve, initialState } from '../scheduling/domain/calendar-event';
import { CALENDAR_EVENT_STREAM_PREFIX, CALENDAR_EVENT_TYPES, CalendarEventEvent } from '../scheduling/domain/events';
import { CALENDAR_TABLE, CalendarRow, ROW_COLUMNS, SERIES_COLUMN_TYPES, STATE_COLUMN_TYPES, columnNames, seriesRecord, stateOf, stateRecord } from './read-model/calendar-row';

/**
 * The calendar view: one row per CalendarEvent with its current state. Cancelled events stay
 * as rows (status 'cancelled'): they are the tombstones incremental sync hands out.
 * Every write takes a fresh `change_seq`; sync tokens are built on it because it follows
 * apply order, which positions do not (they commit out of order).
 */
@Injectable()
@RegisterProjection()
export class CalendarProjection implements Projection {
  readonly name = 'calendar';
  readonly eventTypes: readonly string[] = CALENDAR_EVENT_TYPES;
  readonly tables = [CALENDAR_TABLE] as const;
  readonly volatileColumns = ['change_seq', 'updated_at'] as const;

  /**
   * Three statements per batch, whatever its size: lock the batch's rows, fold each stream's
   * events on top of its row in order, upsert every changed row at once (each takes one fresh
   * change_seq, as after its last event).
   */
  async apply(batch: StoredEvent[], ctx: ProjectionContext): Promise<void> {
    const streams = byStream(batch, CALENDAR_EVENT_STREAM_PREFIX);
    if (streams.size === 0) return;
    const table = ctx.table(CALENDAR_TABLE);
    const rows: CalendarRow[] = await ctx.tx.query(`SELECT ${ROW_COLUMNS} FROM ${table} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[...streams.keys()]]);
    const current = new Map(rows.map((r) => [r.id, r]));
    const writes: Record<string, unknown>[] = [];
    for (const [id, list] of streams) {
      const row = current.get(id);
      let state = row ? stateOf(row) : initialState;
      let version = row?.version ?? 0;
      let last: StoredEvent | null = null;
      for (const e of list) {
        // The runner already guarantees exactly-once; this guards a replay into a non-empty table.
        if (e.version <= version) continue;
        state = evolve(state, { type: e.type, data: e.data } as CalendarEventEvent);
        version = e.version;
        last = e;
      }
      if (last) writes.push({ id, ...stateRecord(state, last), version: last.version, last_position: last.position, updated_at: last.recordedAt, ...seriesRecord(state) });
    }
    if (writes.length === 0) return;
    await ctx.tx.query(
      `INSERT INTO ${table} (${COLUMNS}, change_seq) SELECT ${COLUMNS}, nextval('calendar_change_seq') FROM jsonb_to_recordset($1::jsonb) AS x(${COLUMN_TYPES})
       ON CONFLICT (id) DO UPDATE SET ${UPDATES}, change_seq = EXCLUDED.change_seq`,
      [JSON.stringify(writes)],
    );
  }
}

/** A row as the projection writes it (every column but the generated ones and change_seq). */
const COLUMN_TYPES = `id uuid, ${STATE_COLUMN_TYPES}, version integer, last_position bigint, updated_at timestamptz, ${SERIES_COLUMN_TYPES}`;
const COLUMNS = columnNames(COLUMN_TYPES).join(', ');
const UPDATES = columnNames(COLUMN_TYPES)
  .filter((c) => c !== 'id')
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(', ');
