import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../events/envelope';
import { RegisterProjection } from '../../projections/projection.decorator';
import type { Projection, ProjectionContext } from '../../projections/projection';
import { CalendarEventState, evolve, initialState } from '../scheduling/domain/calendar-event';
import { CALENDAR_EVENT_STREAM_PREFIX, CALENDAR_EVENT_TYPES, CalendarEventEvent } from '../scheduling/domain/events';
import { CALENDAR_TABLE, CalendarRow, ROW_COLUMNS, stateOf } from './read-model/calendar-row';

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

  private async insert(ctx: ProjectionContext, table: string, id: string, s: CalendarEventState, e: StoredEvent): Promise<void> {
    await ctx.tx.query(
      `INSERT INTO ${table} (id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value,
                             starts_at, ends_at, cancel_reason, version, last_position, change_seq, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16, nextval('calendar_change_seq'), $17)`,
      [id, ...this.values(s, e)],
    );
  }

  private async update(ctx: ProjectionContext, table: string, id: string, s: CalendarEventState, e: StoredEvent): Promise<void> {
    await ctx.tx.query(
      `UPDATE ${table} SET status = $2, title = $3, description = $4, programme = $5, city = $6, country = $7, venue = $8, time_zone = $9,
              start_value = $10::jsonb, end_value = $11::jsonb, starts_at = $12, ends_at = $13, cancel_reason = $14, version = $15,
              last_position = $16, change_seq = nextval('calendar_change_seq'), updated_at = $17
        WHERE id = $1`,
      [id, ...this.values(s, e)],
    );
  }

  /** Parameters $2..$17 of both statements. */
  private values(s: CalendarEventState, e: StoredEvent): unknown[] {
    if (s.status === 'absent' || !s.details || !s.instants) throw new Error(`${e.type} at position ${e.position} before EventScheduled`);
    const { title, description, programme, location } = s.details;
    return [
      s.status, title, description, programme, location.city, location.country, location.venue ?? null, s.timeZone,
      JSON.stringify(s.start), JSON.stringify(s.end), s.instants.startsAt, s.instants.endsAt, s.cancelReason, e.version, e.position, e.recordedAt,
    ];
  }
}
