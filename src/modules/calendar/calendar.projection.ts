import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../events/envelope';
import { RegisterProjection } from '../../projections/projection.decorator';
import { type Projection, type ProjectionContext, byStream } from '../../projections/projection';
import { CalendarEventState, evolve, initialState } from '../scheduling/domain/calendar-event';
import { CALENDAR_EVENT_STREAM_PREFIX, CALENDAR_EVENT_TYPES, CalendarEventEvent } from '../scheduling/domain/events';
import { CALENDAR_TABLE, CalendarRow, ROW_COLUMNS, seriesColumns, stateColumns, stateOf } from './read-model/calendar-row';

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

  async apply(ctx: ProjectionContext, event: StoredEvent): Promise<void> {
    if (!event.streamId.startsWith(CALENDAR_EVENT_STREAM_PREFIX)) return;
    const id = event.streamId.slice(CALENDAR_EVENT_STREAM_PREFIX.length);
    const table = ctx.table(CALENDAR_TABLE);
    const rows: CalendarRow[] = await ctx.tx.query(`SELECT ${ROW_COLUMNS} FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
    const row = rows[0];
    // The runner already guarantees exactly-once; this guards a replay into a non-empty table.
    if (row && row.version >= event.version) return;
    const state = evolve(row ? stateOf(row) : initialState, { type: event.type, data: event.data } as CalendarEventEvent);
    await (row ? this.update(ctx, table, id, state, event) : this.insert(ctx, table, id, state, event));
  }

  /**
   * The same rows as `apply` per event, in three statements per batch: lock the batch's rows,
   * fold each event's stream on top of its row in order, upsert every changed row at once
   * (each takes one fresh change_seq, as the last of its per-event writes would).
   */
  async applyBatch(ctx: ProjectionContext, events: StoredEvent[]): Promise<void> {
    const streams = byStream(events, CALENDAR_EVENT_STREAM_PREFIX);
    if (streams.size === 0) return;
    const table = ctx.table(CALENDAR_TABLE);
    const rows: CalendarRow[] = await ctx.tx.query(`SELECT ${ROW_COLUMNS} FROM ${table} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[...streams.keys()]]);
    const current = new Map(rows.map((r) => [r.id, r]));
    const writes: { id: string; values: unknown[] }[] = [];
    for (const [id, list] of streams) {
      const row = current.get(id);
      let state = row ? stateOf(row) : initialState;
      let version = row?.version ?? 0;
      let last: StoredEvent | null = null;
      for (const e of list) {
        if (e.version <= version) continue; // a replay into a non-empty table, as in apply
        state = evolve(state, { type: e.type, data: e.data } as CalendarEventEvent);
        version = e.version;
        last = e;
      }
      if (last) writes.push({ id, values: this.values(state, last) });
    }
    if (writes.length === 0) return;
    const column = (i: number) => writes.map((w) => w.values[i]);
    await ctx.tx.query(
      `INSERT INTO ${table} (id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value,
                             starts_at, ends_at, cancel_reason, version, last_position, change_seq, updated_at, recurrence, overrides, series_ends_at)
       SELECT id, status, title, description, programme, city, country, venue, time_zone, start_value::jsonb, end_value::jsonb,
              starts_at, ends_at, cancel_reason, version, last_position, nextval('calendar_change_seq'), updated_at,
              recurrence::jsonb, overrides::jsonb, series_ends_at
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::text[], $15::int[], $16::bigint[], $17::timestamptz[],
                     $18::text[], $19::text[], $20::timestamptz[])
           AS x(id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value,
                starts_at, ends_at, cancel_reason, version, last_position, updated_at, recurrence, overrides, series_ends_at)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, title = EXCLUDED.title, description = EXCLUDED.description,
              programme = EXCLUDED.programme, city = EXCLUDED.city, country = EXCLUDED.country, venue = EXCLUDED.venue,
              time_zone = EXCLUDED.time_zone, start_value = EXCLUDED.start_value, end_value = EXCLUDED.end_value,
              starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, cancel_reason = EXCLUDED.cancel_reason,
              version = EXCLUDED.version, last_position = EXCLUDED.last_position, change_seq = EXCLUDED.change_seq,
              updated_at = EXCLUDED.updated_at, recurrence = EXCLUDED.recurrence, overrides = EXCLUDED.overrides,
              series_ends_at = EXCLUDED.series_ends_at`,
      [writes.map((w) => w.id), ...Array.from({ length: 19 }, (_, i) => column(i))],
    );
  }

  private async insert(ctx: ProjectionContext, table: string, id: string, s: CalendarEventState, e: StoredEvent): Promise<void> {
    await ctx.tx.query(
      `INSERT INTO ${table} (id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value,
                             starts_at, ends_at, cancel_reason, version, last_position, change_seq, updated_at, recurrence, overrides, series_ends_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16, nextval('calendar_change_seq'), $17,
               $18::jsonb, $19::jsonb, $20)`,
      [id, ...this.values(s, e)],
    );
  }

  private async update(ctx: ProjectionContext, table: string, id: string, s: CalendarEventState, e: StoredEvent): Promise<void> {
    await ctx.tx.query(
      `UPDATE ${table} SET status = $2, title = $3, description = $4, programme = $5, city = $6, country = $7, venue = $8, time_zone = $9,
              start_value = $10::jsonb, end_value = $11::jsonb, starts_at = $12, ends_at = $13, cancel_reason = $14, version = $15,
              last_position = $16, change_seq = nextval('calendar_change_seq'), updated_at = $17,
              recurrence = $18::jsonb, overrides = $19::jsonb, series_ends_at = $20
        WHERE id = $1`,
      [id, ...this.values(s, e)],
    );
  }

  /** Parameters $2..$20 of both statements. */
  private values(s: CalendarEventState, e: StoredEvent): unknown[] {
    return [...stateColumns(s, e), e.version, e.position, e.recordedAt, ...seriesColumns(s)];
  }
}
