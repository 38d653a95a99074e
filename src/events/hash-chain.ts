import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';

/** prev_hash of the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a hash covers: everything that says what happened, who did it, and when. */
export interface HashedFields {
  id: string;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
  recordedAt: string;
}

/**
 * hash = sha256(prev_hash || canonical JSON of the event) — DESIGN §3.
 * Canonical JSON is RFC 8785 (JCS), so the hash survives jsonb's key reordering.
 * The raw stored data (before upcasting) is what is hashed: upcasting must never break a chain.
 */
export function eventHash(prevHash: string, e: HashedFields): string {
  const body = canonicalize({
    id: e.id,
    streamId: e.streamId,
    version: e.version,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt,
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}
