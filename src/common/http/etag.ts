import { ProblemException } from './problem';

/** `"3"`, `W/"3"` or `3` → 3. Absent → undefined. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m) throw new ProblemException(400, 'VALIDATION_FAILED', 'If-Match must be an ETag such as "3"', [{ field: 'If-Match', message: 'must be an ETag such as "3"' }]);
  return Number(m[1]);
}

export const etagOf = (version: number): string => `"${version}"`;

export function matchesIfNoneMatch(header: string | undefined, version: number): boolean {
  if (!header) return false;
  return header.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === etagOf(version));
}
