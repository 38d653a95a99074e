import type { EntityManager } from 'typeorm';
import type { CalendarEventState } from '../../scheduling/domain/calendar-event';
import { isoInstant } from '../../scheduling/domain/time';
import { occurrencesToPlan } from '../domain/occurrence-plan';
import { dueAt } from '../domain/reminder-timing';
import { type PlanRow, planConflict } from './tables';

/** Where a series' rows go: the plan table of one slot, and the log position that planned them. */
export interface SeriesPlanTarget {
  tx: EntityManager;
  planTable: string;
  eventId: string;
  version: number;
  position: string;
}

interface DesiredRow {
  occurrence: string;
  lead: string;
  due: Date;
  start: string;
}

/** A lead time the domain cannot read (never valid input) plans nothing rather than stopping the projection. */
function dueOrNull(start: { date: string } | { dateTime: string }, timeZone: string, lead: string): Date | null {
  try {
    return dueAt({ start, timeZone }, lead);
  } catch {
    return null;
  }
}

function desiredRows(state: CalendarEventState, after: number, until: number, leadTimes: readonly string[]): DesiredRow[] {
  const rows: DesiredRow[] = [];
  for (const o of occurrencesToPlan(state, after, until)) {
    for (const lead of [...leadTimes].sort()) {
      const due = dueOrNull(o.occurrence_start, state.timeZone, lead);
      if (due) rows.push({ occurrence: o.occurrence, lead, due, start: o.startsAt });
    }
  }
  return rows;
}

/**
 * Plans the series' live instances starting in (after, until] for `leadTimes`; `replace` false
 * leaves existing rows alone (a lead time coming into use, the horizon moving on). Returns the
 * rows it wrote, for a caller that asserts their jobs itself.
 */
export async function planOccurrences(t: SeriesPlanTarget, state: CalendarEventState, after: number, until: number, leadTimes: readonly string[], replace: boolean): Promise<PlanRow[]> {
  return upsert(t, desiredRows(state, after, until, leadTimes), replace);
}

async function upsert(t: SeriesPlanTarget, rows: DesiredRow[], replace: boolean): Promise<PlanRow[]> {
  if (rows.length === 0) return [];
  return t.tx.query(
    `INSERT INTO ${t.planTable} AS p (event_id, occurrence, lead_time, due_at, start_at, event_version, status, planned_position)
     SELECT $1, occ, lead, due, start, $6, 'planned', $7 FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS x(occ, lead, due, start)
     ${planConflict(replace)}
     RETURNING event_id, occurrence, lead_time, due_at, start_at, event_version, status`,
    [t.eventId, rows.map((r) => r.occurrence), rows.map((r) => r.lead), rows.map((r) => r.due), rows.map((r) => r.start), t.version, t.position],
  );
}

/**
 * Brings the series' rows for instances still ahead (start after `now`) in line with its state up
 * to its horizon: an instance moved gets its rows moved, one cancelled (or no longer made by the
 * rule, or the whole series cancelled) gets its rows cancelled; rows already right are left alone,
 * so no job is asserted again for them.
 */
export async function reconcileOccurrences(t: SeriesPlanTarget, state: CalendarEventState, now: number, until: number, leadTimesInUse: readonly string[]): Promise<void> {
  const existing: { occurrence: string; lead_time: string; start_at: Date; status: string }[] = await t.tx.query(
    `SELECT occurrence, lead_time, start_at, status FROM ${t.planTable} WHERE event_id = $1 AND occurrence <> '' AND start_at > $2 FOR UPDATE`,
    [t.eventId, new Date(now)],
  );
  const leadTimes = new Set([...leadTimesInUse, ...existing.map((r) => r.lead_time)]);
  const desired = desiredRows(state, now, until, [...leadTimes]);
  const key = (occurrence: string, lead: string) => `${occurrence}|${lead}`;
  const current = new Map(existing.map((r) => [key(r.occurrence, r.lead_time), r]));
  const wanted = new Set(desired.map((r) => key(r.occurrence, r.lead)));
  const changed = desired.filter((r) => {
    const c = current.get(key(r.occurrence, r.lead));
    return !(c && c.status === 'planned' && isoInstant(c.start_at) === r.start);
  });
  await upsert(t, changed, true);
  const dropped = existing.filter((r) => r.status === 'planned' && !wanted.has(key(r.occurrence, r.lead_time)));
  if (dropped.length === 0) return;
  await t.tx.query(
    `UPDATE ${t.planTable} SET status = 'cancelled', event_version = $4, planned_position = $5
      WHERE event_id = $1 AND (occurrence, lead_time) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
    [t.eventId, dropped.map((r) => r.occurrence), dropped.map((r) => r.lead_time), t.version, t.position],
  );
}
