import { Duration } from 'luxon';

export const DEFAULT_LEAD_TIMES = ['P1D'] as const;
export const MAX_LEAD_TIMES = 5;
const MIN_MS = 5 * 60 * 1000;
/** The longest lead time (P30D): reminder planning looks this far ahead, plus a margin. */
export const MAX_LEAD_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Why a lead time is refused, or null when it is fine (contract: ISO-8601, PT5M..P30D).
 * Months and years are refused: their length depends on the date, so "P1M" would not be one
 * fixed offset before every event.
 */
export function leadTimeError(value: string): string | null {
  const d = Duration.fromISO(value);
  if (!d.isValid) return `"${value}" is not an ISO-8601 duration (e.g. PT30M, PT2H, P1D)`;
  if (d.years || d.months || d.quarters) return `"${value}": use days, hours or minutes, not months or years`;
  const ms = d.toMillis();
  if (ms < MIN_MS || ms > MAX_LEAD_MS) return `"${value}" must be between PT5M and P30D`;
  return null;
}

/** Errors for a whole list (count and each entry); empty when valid. */
export function leadTimesErrors(values: readonly string[]): string[] {
  const errors: string[] = [];
  if (values.length === 0) errors.push('at least one lead time is needed (or omit the field for ["P1D"])');
  if (values.length > MAX_LEAD_TIMES) errors.push(`at most ${MAX_LEAD_TIMES} lead times`);
  for (const v of values) {
    const e = leadTimeError(v);
    if (e) errors.push(e);
  }
  return errors;
}

/** Canonical order (shortest first) without duplicates, so equal sets compare equal. */
export function normaliseLeadTimes(values: readonly string[]): string[] {
  const byMs = new Map<number, string>();
  for (const v of values) {
    const ms = Duration.fromISO(v).toMillis();
    if (!byMs.has(ms)) byMs.set(ms, v);
  }
  return [...byMs.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}
