/** The 'reminder-plan' projection's tables (live names; the projection writes through ctx.table). */
export const PLAN_TABLE = 'reminder_plan';
export const REMINDER_SUBSCRIPTIONS_TABLE = 'reminder_subscriptions';
export const EVENTS_TABLE = 'reminder_events';
export const NOTICES_TABLE = 'reminder_notices';
export const LEAD_TIMES_TABLE = 'reminder_lead_times';
export const REMINDER_PLAN_PROJECTION = 'reminder-plan';

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

/**
 * Plan rows an extension of the horizon added (not a log event): the extension job asserts their
 * jobs itself, so no log position's after-commit picks them up.
 */
export const EXTENDED_POSITION = '0';
