import { isUuid } from '../ids';
import { ProblemException } from './problem';

/** A path id that is not a uuid can never name anything: the same 404 as an unknown one. */
export function uuidParam(value: string, code: string, detail: string): string {
  if (!isUuid(value)) throw new ProblemException(404, code, detail);
  return value.toLowerCase();
}

/** The `:id` of the events routes. */
export const eventIdParam = (value: string): string => uuidParam(value, 'EVENT_NOT_FOUND', 'no such event');

/** The `:id` of the events routes that also take an instance id (`<uuid>_<YYYYMMDD>` or `<uuid>_<YYYYMMDDTHHmmssZ>`). */
export function eventOrInstanceParam(value: string): { id: string; instanceToken: string | null } {
  const m = /^([^_]+)_(\d{8}(?:T\d{6}Z)?)$/.exec(value);
  if (!m) return { id: eventIdParam(value), instanceToken: null };
  return { id: eventIdParam(m[1]), instanceToken: m[2] };
}
