import { StreamingRoot, leafHash } from '../domain/merkle';
import type { OpenedCheckpoint } from '../domain/signed-note';

/** One leaf as a source holds it: the event at that place in the log and its chain hash. */
export interface LeafEntry {
  position: string;
  streamId: string;
  version: number;
  /** The event's hash (32 bytes). */
  eventHash: Buffer;
}

/** A leaf named by where the checkpointed log had it. */
export interface DivergentLeaf {
  leafIndex: number;
  position: string;
  streamId: string;
  version: number;
  /** What the log holds at that leaf now (null: nothing, the log is shorter). */
  now: { position: string; streamId: string; version: number } | null;
}

export interface CheckpointVerification {
  ok: boolean;
  signatureValid: boolean;
  treeSize: number;
  /** The log's first `treeSize` leaves still hash to the checkpoint's root. */
  consistent: boolean;
  firstDivergentLeaf?: DivergentLeaf;
  /** Why the divergent leaf cannot be named, when it cannot. */
  detail?: string;
}

type Pages<T> = AsyncIterable<T[]> | Iterable<T[]>;

async function* each<T>(pages: Pages<T>): AsyncGenerator<T> {
  for await (const page of pages) yield* page;
}

const same = (a: LeafEntry, b: LeafEntry) => a.position === b.position && a.eventHash.equals(b.eventHash);

/**
 * Does the log still hold exactly the leaves a checkpoint covers? `log`: the log as it stands,
 * in leaf order. `sealed`: the sealer's record of each leaf (index order) — trusted to name the
 * first divergent leaf only when it hashes to the checkpoint's signed root itself.
 */
export async function compareWithCheckpoint(checkpoint: OpenedCheckpoint, log: Pages<LeafEntry>, sealed: Pages<LeafEntry>): Promise<CheckpointVerification> {
  const n = checkpoint.treeSize;
  const live = each(log)[Symbol.asyncIterator]();
  const record = each(sealed)[Symbol.asyncIterator]();
  const liveRoot = new StreamingRoot();
  const sealedRoot = new StreamingRoot();
  let divergent: DivergentLeaf | undefined;
  for (let i = 0; i < n; i++) {
    const a = await live.next();
    const b = await record.next();
    if (!a.done) liveRoot.push(leafHash(a.value.eventHash));
    if (!b.done) sealedRoot.push(leafHash(b.value.eventHash));
    if (a.done && b.done) break;
    if (!divergent && (a.done || b.done || !same(a.value, b.value)) && !b.done) {
      const now = a.done ? null : { position: a.value.position, streamId: a.value.streamId, version: a.value.version };
      divergent = { leafIndex: i, position: b.value.position, streamId: b.value.streamId, version: b.value.version, now };
    }
  }
  await live.return?.(undefined);
  await record.return?.(undefined);
  const consistent = liveRoot.size === n && liveRoot.root().equals(checkpoint.rootHash);
  const report: CheckpointVerification = { ok: consistent && checkpoint.signatureValid, signatureValid: checkpoint.signatureValid, treeSize: n, consistent };
  if (consistent) return report;
  const recordTrusted = sealedRoot.size === n && sealedRoot.root().equals(checkpoint.rootHash);
  if (recordTrusted && divergent) return { ...report, firstDivergentLeaf: divergent };
  return {
    ...report,
    detail: recordTrusted ? 'the log differs from the checkpoint' : "the sealer's own record does not match the checkpoint either: it was altered too, or the checkpoint is not this log's",
  };
}
