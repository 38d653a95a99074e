import { createHash } from 'node:crypto';
import { DomainError } from '../../../common/domain/domain-error';
import { isUuid } from '../../../common/ids';

/**
 * Opaque client tokens, base64url JSON. They are not signed: a forged one can only page
 * through public data differently, so tampering buys nothing; malformed ones are refused.
 */

/** Where a full listing resumes: keyset (starts_at, id), plus what the first page captured. */
export interface ListCursor {
  k: 'l';
  /** Fingerprint of the filters it was issued for. */
  f: string;
  /** starts_at (ISO, ms) and id of the last item served. */
  t: string;
  i: string;
  /** Projection generation and max(change_seq) seen by the first page: the nextSyncToken to hand out at the end. */
  g: number;
  s: string;
}

/** Where an incremental sync resumes: after this change_seq. */
export interface SyncCursor {
  k: 's';
  g: number;
  s: string;
}

export interface SyncToken {
  g: number;
  s: string;
}

const encode = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');

function decode(raw: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]{1,2000}$/.test(raw)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isSeq = (v: unknown): v is string => typeof v === 'string' && /^\d{1,19}$/.test(v);
const isGeneration = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

export const encodeCursor = (c: ListCursor | SyncCursor): string => encode(c);
export const encodeSyncToken = (t: SyncToken): string => encode({ g: t.g, s: t.s });

export const badCursor = (message: string) => new DomainError('invalid', 'VALIDATION_FAILED', message, 'cursor');

export function decodeCursor(raw: string): ListCursor | SyncCursor {
  const v = decode(raw);
  if (v && v.k === 's' && isGeneration(v.g) && isSeq(v.s)) return { k: 's', g: v.g, s: v.s };
  if (
    v &&
    v.k === 'l' &&
    typeof v.f === 'string' &&
    typeof v.t === 'string' &&
    !Number.isNaN(Date.parse(v.t)) &&
    typeof v.i === 'string' &&
    isUuid(v.i.replace(/_\d{8}(T\d{6}Z)?$/, '')) &&
    isGeneration(v.g) &&
    isSeq(v.s)
  ) {
    return { k: 'l', f: v.f, t: v.t, i: v.i, g: v.g, s: v.s };
  }
  throw badCursor('is not a cursor this API issued; start again without it');
}

/** Any token it cannot read is a 410 like an expired one: the remedy (a full sync) is the same. */
export function decodeSyncToken(raw: string): SyncToken {
  const v = decode(raw);
  if (v && isGeneration(v.g) && isSeq(v.s)) return { g: v.g, s: v.s };
  throw syncTokenExpired('the sync token is malformed');
}

export const syncTokenExpired = (why: string): DomainError => new DomainError('gone', 'SYNC_TOKEN_EXPIRED', `${why}; do a full sync (GET /v1/events without syncToken) and use its nextSyncToken`);

/** Short stable hash of the normalised filters, so a cursor cannot be replayed with others. */
export const fingerprint = (filters: object): string => createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
