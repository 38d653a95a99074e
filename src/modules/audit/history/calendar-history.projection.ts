import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../../events/envelope';
import { RegisterProjection } from '../../../projections/projection.decorator';
import { type Projection, type ProjectionContext, byStream } from '../../../projections/projection';
import { CalendarEventState, evolve, initialState } from '../../scheduling/domain/calendar-event';
import { CALENDAR_EVENT_STREAM_PREFIX, CALENDAR_EVENT_TYPES, CalendarEventEvent } from '../../scheduling/domain/events';
import { seriesColumns, stateColumns, stateOf } from '../../calendar/read-model/calendar-row';
import { HISTORY_COLUMNS, HISTORY_PROJECTION, HISTORY_TABLE, HistoryRow } from './history-row';

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

  async apply(ctx: ProjectionContext, event: StoredEvent): Promise<void> {
    if (!event.streamId.startsWith(CALENDAR_EVENT_STREAM_PREFIX)) return;
    const id = event.streamId.slice(CALENDAR_EVENT_STREAM_PREFIX.length);
    const table = ctx.table(HISTORY_TABLE);
    const open: HistoryRow[] = await ctx.tx.query(`SELECT ${HISTORY_COLUMNS} FROM ${table} WHERE id = $1 AND valid_to IS NULL FOR UPDATE`, [id]);
    const prev = open[0];
    // Exactly-once is the runner's job; this guards a replay into a table that already has it.
    if (prev && prev.version >= event.version) return;
    const state = evolve(prev ? stateOf(prev) : initialState, { type: event.type, data: event.data } as CalendarEventEvent);
    if (prev) {
      // GREATEST: writers' clocks may differ by a little; a version never ends before it began.
      await ctx.tx.query(`UPDATE ${table} SET valid_to = GREATEST(valid_from, $3::timestamptz) WHERE id = $1 AND version = $2`, [id, prev.version, event.recordedAt]);
    }
    await ctx.tx.query(
      `INSERT INTO ${table} (id, version, valid_from, valid_to, status, title, description, programme, city, country, venue, time_zone,
                             start_value, end_value, starts_at, ends_at, cancel_reason, event_type, actor, position, recurrence, overrides, series_ends_at)
       VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14, $15, $16, $17, $18, $19, $20::jsonb, $21::jsonb, $22)`,
      [id, event.version, event.recordedAt, ...values(state, event)],
    );
  }

  /**
   * A batch in three statements whatever its size, with exactly the rows `apply` would write
   * event by event: each version closes the one before it at its own recorded instant
   * (GREATEST, as there), the last stays open. The runner falls back to `apply` if this fails.
   */
  async applyBatch(ctx: ProjectionContext, events: StoredEvent[]): Promise<void> {
    const streams = byStream(events, CALENDAR_EVENT_STREAM_PREFIX);
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
        if (e.version <= version) continue; // a replay into a table that already has it, as in apply
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
      await ctx.tx.query(`INSERT INTO ${table} (${RECORD_COLUMNS}) SELECT ${RECORD_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${RECORD_TYPE})`, [JSON.stringify(rows)]);
    }
  }
}

/** One version row as jsonb_to_recordset reads it (see applyBatch). */
const RECORD_TYPE = `id uuid, version integer, valid_from timestamptz, valid_to timestamptz, status text, title text, description text, programme text,
  city text, country char(2), venue text, time_zone text, start_value jsonb, end_value jsonb, starts_at timestamptz, ends_at timestamptz,
  cancel_reason text, event_type text, actor text, position bigint, recurrence jsonb, overrides jsonb, series_ends_at timestamptz`;
const RECORD_COLUMNS = RECORD_TYPE.split(',').map((c) => c.trim().split(' ')[0]).join(', ');

function record(id: string, e: StoredEvent, s: CalendarEventState): Record<string, unknown> {
  const [status, title, description, programme, city, country, venue, timeZone, start, end, startsAt, endsAt, cancelReason, type, actor, position, recurrence, overrides, seriesEndsAt] = values(s, e);
  return {
    id, version: e.version, valid_from: e.recordedAt.toISOString(), valid_to: null, status, title, description, programme, city, country, venue,
    time_zone: timeZone, start_value: JSON.parse(start as string), end_value: JSON.parse(end as string), starts_at: startsAt, ends_at: endsAt,
    cancel_reason: cancelReason, event_type: type, actor, position,
    recurrence: recurrence === null ? null : JSON.parse(recurrence as string), overrides: JSON.parse(overrides as string), series_ends_at: seriesEndsAt,
  };
}

function values(s: CalendarEventState, e: StoredEvent): unknown[] {
  // A series' lines, changed instances and end, as the calendar view keeps them: as-of reads expand it.
  return [...stateColumns(s, e), e.type, e.metadata.actor ?? null, e.position, ...seriesColumns(s)];
}
