import { textProblem } from '../../../common/domain/text';
import { invalidInput } from './errors';
import { PROGRAMMES } from './events';

/**
 * The input limits (contract): whatever the domain accepts, every read model can store. Checked
 * by `decide`, so every path (HTTP, listing import, CLI) meets them before anything is appended.
 */
export const LIMITS = {
  title: 300,
  description: 10_000,
  city: 120,
  venue: 300,
  reason: 1_000,
  timeZone: 64,
} as const;

/** Dates and date-times lie between these days (inclusive): the bounds every store and format shares. */
export const EARLIEST_DATE = '1000-01-01';
export const LATEST_DATE = '9998-12-31';

/** A `YYYY-MM-DD…` value's day lies within the bounds (string order is date order at four-digit years). */
export const dayInRange = (value: string): boolean => {
  const day = value.slice(0, 10);
  return day >= EARLIEST_DATE && day <= LATEST_DATE;
};

type TextField = keyof Omit<typeof LIMITS, 'timeZone'>;

/** Throws an `invalid` DomainError naming `field` unless `value` is acceptable text for it. */
export function checkText(field: string, kind: TextField, value: unknown, options: { required?: boolean } = {}): void {
  if (typeof value !== 'string') throw invalidInput(field, 'must be a string');
  if (options.required && value.trim() === '') throw invalidInput(field, 'must not be empty');
  if (value.length > LIMITS[kind]) throw invalidInput(field, `must be at most ${LIMITS[kind]} characters`);
  const problem = textProblem(value, { multiline: kind === 'description' });
  if (problem) throw invalidInput(field, problem);
}

export function checkCountry(field: string, value: unknown): void {
  if (typeof value !== 'string' || !/^[A-Z]{2}$/.test(value)) throw invalidInput(field, 'must be an ISO 3166-1 alpha-2 code such as CN or KR');
}

export function checkProgramme(field: string, value: unknown): void {
  if (value !== null && !(PROGRAMMES as readonly unknown[]).includes(value)) throw invalidInput(field, `must be one of ${PROGRAMMES.join(', ')} or null`);
}

export function checkTimeZoneText(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.timeZone || textProblem(value)) throw invalidInput(field, 'must be an IANA time zone');
}
