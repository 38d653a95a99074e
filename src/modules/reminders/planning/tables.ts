/** The 'reminder-plan' projection's tables (live names; the projection writes through ctx.table). */
export const PLAN_TABLE = 'reminder_plan';
export const REMINDER_SUBSCRIPTIONS_TABLE = 'reminder_subscriptions';
export const EVENTS_TABLE = 'reminder_events';
export const NOTICES_TABLE = 'reminder_notices';
export const LEAD_TIMES_TABLE = 'reminder_lead_times';
export const REMINDER_PLAN_PROJECTION = 'reminder-plan';

/**
 * How a planned row meets one already there: kept as it is, or replaced (a reschedule), noting
 * the start it replaced while it was still planned so its old due job can be removed.
 */
export const planConflict = (replace: boolean): string =>
  `ON CONFLICT (event_id, occurrence, lead_time) DO ${
    replace
      ? `UPDATE SET due_at = EXCLUDED.due_at, start_at = EXCLUDED.start_at, event_version = EXCLUDED.event_version,
         status = 'planned', planned_position = EXCLUDED.planned_position,
         replaced_start_at = CASE WHEN p.status = 'planned' AND p.start_at <> EXCLUDED.start_at THEN p.start_at END`
      : 'NOTHING'
  }`;

export interface PlanRow {
  event_id: string;
  /** The instance of a series (its original start's key); '' for a single event. */
  occurrence: string;
  lead_time: string;
  due_at: Date;
  start_at: Date;
  event_version: number;
  status: 'planned' | 'cancelled';
}

export interface NoticeRow {
  event_id: string;
  event_version: number;
  kind: 'updated' | 'cancelled';
  start_at: Date;
  ends_at: Date;
  /** The one instance the notice is about; null: the whole event or series. */
  occurrence: string | null;
}
