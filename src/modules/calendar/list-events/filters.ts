import { queryRange } from '../../../common/http/query-range';
import type { CalendarFilters } from '../read-model/calendar.read-model';
import type { CalendarFiltersDto } from './calendar-query.dto';

/**
 * DTO → normalised filters. Bare dates are whole UTC days: `from` is that day's
 * 00:00 UTC, `to` the end of that day, i.e. the next day's 00:00 as an exclusive bound.
 * Normalised values are also what a cursor's fingerprint is taken over.
 */
export function toFilters(dto: CalendarFiltersDto): CalendarFilters {
  const { from, to } = queryRange(dto.from, dto.to);
  return {
    from: from?.iso ?? null,
    to: to?.iso ?? null,
    country: dto.country ?? null,
    // Lower-cased: the match is case-insensitive, so a cursor must not care about case either.
    city: dto.city?.trim().toLowerCase() || null,
    programme: dto.programme ?? null,
    status: dto.status ?? 'scheduled',
    q: dto.q?.trim() || null,
  };
}
