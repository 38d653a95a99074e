import { Injectable } from '@nestjs/common';
import type { LoggedEvent } from '../../events/envelope';
import { RegisterProjection } from '../../projections/projection.decorator';
import { type LoggedProjection, type ProjectionContext, byStream } from '../../projections/projection';
import { initialState } from '../scheduling/domain/calendar-event';
import { evolveAll } from '../scheduling/domain/evolve-all';
import { CALENDAR_EVENT_STREAM_PREFIX, CALENDAR_EVENT_TYPES, CalendarEventEvent } from '../scheduling/domain/events';
import { CALENDAR_TABLE, CalendarRow, ROW_COLUMNS, SERIES_COLUMN_TYPES, STATE_COLUMN_TYPES, columnNames, overrideSeqs, seriesRecord, stateOf, stateRecord } from './read-model/calendar-row';

/**
 * The calendar view: one row per CalendarEvent with its current state. Cancelled events stay
 * as rows (status 'cancelled'): they are the tombstones incremental sync hands out.
 * Every write takes a fresh `change_seq`; sync tokens are built on it because it follows
 * apply order, which positions do not (they commit out of order).
 */
@Injectable()
@RegisterProjection()
export class CalendarProjection implements LoggedProjection {
  readonly name = 'calendar';
  // It folds type, data, versions and positions only: a rebuild reads no more for it.
  readonly reads = 'logged';
  readonly eventTypes: readonly string[] = CALENDAR_EVENT_TYPES;
  readonly tables = [CALENDAR_TABLE] as const;
  // override_seqs holds change_seqs too: a rebuild numbers its writes afresh.
  readonly volatileColumns = ['change_seq', 'updated_at', 'override_seqs'] as const;

  /**
   * Three statements per batch, whatever its size: lock the batch's rows, fold each stream's
   * events on top of its row in order, upsert every changed row at once (each takes one fresh
   * change_seq, as after its last event).
   */
  async apply(batch: LoggedEvent[], ctx: ProjectionContext): Promise<void> {
    const streams = byStream(batch, CALENDAR_EVENT_STREAM_PREFIX);
    if (streams.size === 0) return;
    const table = ctx.table(CALENDAR_TABLE);
    const rows: CalendarRow[] = await ctx.tx.query(`SELECT ${ROW_COLUMNS} FROM ${table} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[...streams.keys()]]);
    const current = new Map(rows.map((r) => [r.id, r]));
    const writes: Record<string, unknown>[] = [];
    for (const [id, list] of streams) {
      const row = current.get(id);
      let version = row?.version ?? 0;
      const fold: CalendarEventEvent[] = [];
      let last: LoggedEvent | null = null;
      for (const e of list) {
        // The runner already guarantees exactly-once; this guards a replay into a non-empty table.
        if (e.version <= version) continue;
        // A logged event is read as the domain event it holds (its type and data), unwrapped.
        fold.push(e as unknown as CalendarEventEvent);
        version = e.version;
        last = e;
      }
      if (!last) continue;
      const state = evolveAll(row ? stateOf(row) : initialState, fold);
      const seqs = overrideSeqs(row?.overrides, row?.override_seqs, state);
      writes.push({ id, ...stateRecord(state, last), version: last.version, last_position: last.position, updated_at: last.recordedAt, ...seriesRecord(state), override_seqs: seqs });
    }
    if (writes.length === 0) return;
    // The CTE takes each row's change_seq once (it is materialised); an instance this write
    // changed (null in override_seqs) is noted at that same seq.
    await ctx.tx.query(
      `WITH x AS (SELECT *, nextval('calendar_change_seq') AS seq FROM jsonb_to_recordset($1::jsonb) AS r(${COLUMN_TYPES}, override_seqs jsonb))
       INSERT INTO ${table} (${COLUMNS}, override_seqs, change_seq)
       SELECT ${COLUMNS},
              (SELECT coalesce(jsonb_object_agg(k, CASE WHEN v = 'null'::jsonb THEN to_jsonb(x.seq) ELSE v END), '{}'::jsonb) FROM jsonb_each(x.override_seqs) AS e(k, v)),
              x.seq
         FROM x
       ON CONFLICT (id) DO UPDATE SET ${UPDATES}, override_seqs = EXCLUDED.override_seqs, change_seq = EXCLUDED.change_seq`,
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
