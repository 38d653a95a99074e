import { ChainVerifier, VerifyReport } from '../verification/chain-verifier';
import { AuditLogReader } from '../../../events/audit-log.reader';
import { toChainRow } from '../verification/chain-row';

/**
 * Walks every stream's chain in the database, over the RAW rows, in (stream_id, version)
 * order from one snapshot, a batch at a time: constant memory however long the log.
 */
export async function verifyDatabase(reader: AuditLogReader, onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
  const snapshot = await reader.snapshot();
  const total = onProgress ? await reader.count(snapshot) : 0;
  const verifier = new ChainVerifier({ order: 'stream' });
  let done = 0;
  for await (const rows of reader.byStream(snapshot)) {
    for (const r of rows) verifier.push(toChainRow(r));
    done += rows.length;
    onProgress?.(done, Math.max(done, total));
  }
  return verifier.report();
}
