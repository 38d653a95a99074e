import type { DataSource } from 'typeorm';
import { CalendarEventState, evolve, initialState } from '../../src/modules/scheduling/domain/calendar-event';
import { CALENDAR_EVENT_STREAM_PREFIX, CalendarEventEvent } from '../../src/modules/scheduling/domain/events';

export interface ModelRow {
  id: string;
  status: string;
  title: string;
  starts_at: string;
  ends_at: string;
  version: number;
}

/** The calendar as a fold of the log (optionally only up to a checkpoint): the truth to compare with. */
export async function foldCalendar(db: DataSource, upTo?: { transactionId: string; position: string }): Promise<ModelRow[]> {
  const where = upTo ? `AND (transaction_id, position) <= ($1::xid8, $2::bigint)` : '';
  const events: { stream_id: string; version: number; type: string; data: Record<string, unknown> }[] = await db.query(
    `SELECT stream_id, version, type, data FROM events WHERE stream_id LIKE '${CALENDAR_EVENT_STREAM_PREFIX}%' ${where} ORDER BY stream_id, version`,
    upTo ? [upTo.transactionId, upTo.position] : [],
  );
  const states = new Map<string, { s: CalendarEventState; v: number }>();
  for (const e of events) {
    const id = e.stream_id.slice(CALENDAR_EVENT_STREAM_PREFIX.length);
    const cur = states.get(id) ?? { s: initialState, v: 0 };
    states.set(id, { s: evolve(cur.s, { type: e.type, data: e.data } as CalendarEventEvent), v: e.version });
  }
  return [...states.entries()]
    .map(([id, { s, v }]) => ({
      id,
      status: s.status,
      title: s.details!.title,
      starts_at: new Date(s.instants!.startsAt).toISOString(),
      ends_at: new Date(s.instants!.endsAt).toISOString(),
      version: v,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export async function readCalendar(db: DataSource, table = 'calendar_events'): Promise<ModelRow[]> {
  const rows: { id: string; status: string; title: string; starts_at: Date; ends_at: Date; version: number }[] = await db.query(
    `SELECT id, status, title, starts_at, ends_at, version FROM ${table} ORDER BY id`,
  );
  return rows.map((r) => ({ ...r, starts_at: r.starts_at.toISOString(), ends_at: r.ends_at.toISOString() })).sort((a, b) => a.id.localeCompare(b.id));
}

export async function checkpoint(db: DataSource, name = 'calendar'): Promise<{ transactionId: string; position: string; state: string } | undefined> {
  const rows: { transaction_id: string; position: string; state: string }[] = await db.query(`SELECT transaction_id::text, position::text, state FROM projection_checkpoints WHERE name = $1`, [name]);
  return rows[0] ? { transactionId: rows[0].transaction_id, position: rows[0].position, state: rows[0].state } : undefined;
}

/** True when the projection has applied every event in the log. */
export async function caughtUp(db: DataSource, name = 'calendar'): Promise<boolean> {
  const c = await checkpoint(db, name);
  if (!c) return false;
  const rows: { n: number }[] = await db.query('SELECT count(*)::int AS n FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint)', [c.transactionId, c.position]);
  return rows[0].n === 0;
}

export const scheduled = (title: string, day: number) => ({
  type: 'EventScheduled',
  data: {
    title,
    description: '',
    programme: 'culture',
    location: { city: 'Beijing', country: 'CN', venue: null },
    timeZone: 'Asia/Shanghai',
    start: { date: `2030-01-${String((day % 28) + 1).padStart(2, '0')}` },
    end: { date: `2030-01-${String((day % 28) + 1).padStart(2, '0')}` },
  },
});

export const rescheduled = (day: number) => ({
  type: 'EventRescheduled',
  data: { start: { date: `2030-02-${String((day % 28) + 1).padStart(2, '0')}` }, end: { date: `2030-02-${String((day % 28) + 1).padStart(2, '0')}` }, timeZone: 'Asia/Shanghai', reason: null },
});
