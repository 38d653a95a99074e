import type { RawEventRow } from '../../../events/audit-log.reader';
import type { ChainRow } from './chain-verifier';

/** The chain verifier's view of a raw row: recordedAt as the ISO string that was hashed. */
export function toChainRow(r: RawEventRow): ChainRow {
  return {
    id: r.id,
    position: r.position,
    streamId: r.stream_id,
    version: r.version,
    type: r.type,
    schemaVersion: r.schema_version,
    data: r.data,
    metadata: r.metadata,
    recordedAt: r.recorded_at.toISOString(),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
