import { DateTime } from 'luxon';
import { FieldError, validationProblem } from '../../../common/http/problem';
import type { LogFilters } from '../log/audit-log.reader';
import type { AuditLogFiltersDto } from './audit-query.dto';

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * As GET /v1/events: a bare date is a whole UTC day, so `from=2024-05-01&to=2024-05-01` is
 * that day (`to` becomes the next day's 00:00, exclusive).
 */
export function toLogFilters(dto: AuditLogFiltersDto): LogFilters {
  const errors: FieldError[] = [];
  const from = bound('from', dto.from, false, errors);
  const to = bound('to', dto.to, true, errors);
  if (from && to && from.getTime() >= to.getTime()) errors.push({ field: 'to', message: 'to must be after from' });
  if (errors.length) throw validationProblem(errors);
  return {
    ...(dto.type ? { type: dto.type } : {}),
    ...(dto.actor ? { actor: dto.actor } : {}),
    ...(dto.stream ? { stream: dto.stream } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** A recorded instant: an ISO instant with offset, or a bare date (its 00:00 UTC). */
export function toInstant(field: string, value: string): Date {
  const errors: FieldError[] = [];
  const d = bound(field, value, false, errors);
  if (!d) throw validationProblem(errors);
  return d;
}

function bound(field: string, value: string | undefined, isEnd: boolean, errors: FieldError[]): Date | null {
  if (value === undefined) return null;
  const bare = BARE_DATE.test(value);
  // luxon rejects impossible dates (2013-02-30) that Date.parse would roll over.
  const d = DateTime.fromISO(value, { zone: 'utc', setZone: !bare });
  if (!d.isValid) {
    errors.push({ field, message: `${field} is not a valid date or instant` });
    return null;
  }
  return (bare && isEnd ? d.plus({ days: 1 }) : d).toJSDate();
}
