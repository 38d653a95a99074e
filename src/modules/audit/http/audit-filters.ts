import { instantParam, queryRange } from '../../../common/http/query-range';
import type { LogFilters } from '../../../events/audit-log.reader';
import type { AuditLogFiltersDto } from './audit-query.dto';

/**
 * As GET /v1/events: a bare date is a whole UTC day, so `from=2024-05-01&to=2024-05-01` is
 * that day (`to` becomes the next day's 00:00, exclusive).
 */
export function toLogFilters(dto: AuditLogFiltersDto): LogFilters {
  const range = queryRange(dto.from, dto.to);
  return {
    ...(dto.type ? { type: dto.type } : {}),
    ...(dto.actor ? { actor: dto.actor } : {}),
    ...(dto.stream ? { stream: dto.stream } : {}),
    ...(range.from ? { from: new Date(range.from.millis) } : {}),
    ...(range.to ? { to: new Date(range.to.millis) } : {}),
  };
}

/** A recorded instant: an ISO instant with offset, or a bare date (its 00:00 UTC). */
export function toInstant(field: string, value: string): Date {
  return new Date(instantParam(field, value).millis);
}
