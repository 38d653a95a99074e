import { createHash, randomUUID } from 'node:crypto';
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

const HASHED_KEYS: readonly (keyof HashedFields)[] = ['id', 'streamId', 'version', 'type', 'schemaVersion', 'data', 'metadata', 'recordedAt'];

/**
 * hash = sha256(prev_hash || canonical JSON of the event): each event seals the one before it
 * in its stream, so changing or removing any stored event breaks every later hash.
 * Canonical JSON is RFC 8785 (JCS), so the hash survives jsonb's key reordering.
 * The raw stored data (before upcasting) is what is hashed: upcasting must never break a chain.
 */
export function eventHash(prevHash: string, e: HashedFields): string {
  // Only the hashed fields, whatever else the caller's object carries (position, hashes...).
  const body = canonicalize(Object.fromEntries(HASHED_KEYS.map((k) => [k, e[k]])));
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

/** An event ready to be stored: its version in the stream, its id, and its place in the chain. */
export interface ChainedEvent extends HashedFields {
  data: object;
  metadata: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/**
 * The records one append writes, whatever the store: versions follow `expectedVersion`, every
 * event carries the append's instant (also in its metadata), and each hash chains to the one
 * before, starting from `prevHash` (the stream's last hash, or GENESIS_HASH).
 */
export function chainEvents(
  streamId: string,
  expectedVersion: number,
  prevHash: string,
  events: readonly { type: string; schemaVersion: number; data: object }[],
  metadata: object,
  recordedAt: Date,
): ChainedEvent[] {
  const at = recordedAt.toISOString();
  const out: ChainedEvent[] = [];
  let prev = prevHash;
  events.forEach((e, i) => {
    const fields = {
      id: randomUUID(),
      streamId,
      version: expectedVersion + i + 1,
      type: e.type,
      schemaVersion: e.schemaVersion,
      data: e.data,
      metadata: { ...metadata, recordedAt: at },
      recordedAt: at,
    };
    const hash = eventHash(prev, fields);
    out.push({ ...fields, prevHash: prev, hash });
    prev = hash;
  });
  return out;
}
