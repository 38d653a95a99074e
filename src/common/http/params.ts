import { isUuid } from '../ids';
import { ProblemException } from './problem';

/** A path id that is not a uuid can never name anything: the same 404 as an unknown one. */
export function uuidParam(value: string, code: string, detail: string): string {
  if (!isUuid(value)) throw new ProblemException(404, code, detail);
  return value.toLowerCase();
}

/** The `:id` of the events routes. */
export const eventIdParam = (value: string): string => uuidParam(value, 'EVENT_NOT_FOUND', 'no such event');
