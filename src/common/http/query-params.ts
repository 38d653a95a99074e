/** How query-string parameters are read before validation, the same on every route. */

/**
 * A bare date, or an instant WITH its offset: a zone-less date-time would be ambiguous. Years
 * 1000–9998 only, the days any event can have (PostgreSQL refuses year 0 outright).
 */
export const INSTANT_OR_DATE = /^(?:1\d{3}|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
export const instantMessage = (field: string): string => `${field} must be a date YYYY-MM-DD or an ISO-8601 instant with offset, such as 2013-10-22T00:00:00Z`;

/** An unencoded `+` in a query string arrives as a space: `...T09:00:00 09:00` means `+09:00`. */
export const plusOffset = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.replace(/ (\d{2}:?\d{2})$/, '+$1') : value);

/** Strict integers only: class-transformer's Number('') would be 0 and Number('1e2') 100. */
export const integer = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value);
