/**
 * The one wall-clock step of reminder planning, recorded in the log: the extension job appends
 * this when series' horizons are due to move on, and the reminder-plan projection moves them
 * as of `asOf`. A rebuild replays it, so the rebuilt plan has the same horizons and rows as the
 * live one (nothing planned depends on when the projection ran).
 */
export const REMINDER_HORIZON_STREAM = 'reminder-horizon';
export const REMINDER_HORIZON_EXTENDED = 'ReminderHorizonExtended';

export interface ReminderHorizonExtended {
  /** The instant the horizons are measured from (ISO). */
  asOf: string;
}
