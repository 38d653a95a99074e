import { Injectable } from '@nestjs/common';
import type { StoredEvent } from '../../../events/envelope';
import { RegisterProjection } from '../../../projections/projection.decorator';
import type { Projection, ProjectionContext } from '../../../projections/projection';
import { CalendarEventState, evolve, initialState } from '../../scheduling/domain/calendar-event';
import { CALENDAR_EVENT_STREAM_PREFIX, CALENDAR_EVENT_TYPES, CalendarEventEvent } from '../../scheduling/domain/events';
import { HISTORY_COLUMNS, HISTORY_PROJECTION, HISTORY_TABLE, HistoryRow, historyState } from './history-row';

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
    const state = evolve(prev ? historyState(prev) : initialState, { type: event.type, data: event.data } as CalendarEventEvent);
    if (prev) {
      // GREATEST: writers' clocks may differ by a little; a version never ends before it began.
      await ctx.tx.query(`UPDATE ${table} SET valid_to = GREATEST(valid_from, $3::timestamptz) WHERE id = $1 AND version = $2`, [id, prev.version, event.recordedAt]);
    }
    await ctx.tx.query(
      `INSERT INTO ${table} (id, version, valid_from, valid_to, status, title, description, programme, city, country, venue, time_zone,
                             start_value, end_value, starts_at, ends_at, cancel_reason, event_type, actor, position)
       VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14, $15, $16, $17, $18, $19)`,
      [id, event.version, event.recordedAt, ...values(state, event)],
    );
  }
}

function values(s: CalendarEventState, e: StoredEvent): unknown[] {
  if (s.status === 'absent' || !s.details || !s.instants) throw new Error(`${e.type} at position ${e.position} before EventScheduled`);
  const { title, description, programme, location } = s.details;
  return [
    s.status, title, description, programme, location.city, location.country, location.venue ?? null, s.timeZone,
    JSON.stringify(s.start), JSON.stringify(s.end), s.instants.startsAt, s.instants.endsAt, s.cancelReason, e.type, e.metadata.actor ?? null, e.position,
  ];
}
