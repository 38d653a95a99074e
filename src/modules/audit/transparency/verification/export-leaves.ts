import type { LeafEntry } from './compare-log';

interface Indexed extends LeafEntry {
  leafIndex: number | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * An export's leaves, for checking a checkpoint offline: `log` is the exported log in leaf
 * order (events not sealed yet last), `sealed` the tree's record of each leaf (the event hash
 * it sealed, and the leaves whose event is gone). Lines that are not events are skipped here:
 * the export's own check (checkExport) judges the file.
 */
export async function exportLeaves(lines: AsyncIterable<string> | Iterable<string>): Promise<{ log: LeafEntry[][]; sealed: LeafEntry[][] }> {
  const events: Indexed[] = [];
  const sealed: (LeafEntry & { leafIndex: number })[] = [];
  for await (const text of lines) {
    if (!text.trim()) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof o !== 'object' || o === null) continue;
    if (o.kind === 'sealed-leaf' && Number.isSafeInteger(o.leafIndex) && typeof o.eventHash === 'string' && HEX64.test(o.eventHash)) {
      sealed.push({ leafIndex: o.leafIndex as number, position: String(o.position), streamId: String(o.streamId), version: Number(o.version), eventHash: Buffer.from(o.eventHash, 'hex') });
      continue;
    }
    if (o.kind !== undefined || typeof o.hash !== 'string' || !HEX64.test(o.hash) || typeof o.position !== 'string') continue;
    const leafIndex = Number.isSafeInteger(o.leafIndex) ? (o.leafIndex as number) : null;
    const entry: Indexed = { leafIndex, position: o.position, streamId: String(o.streamId), version: Number(o.version), eventHash: Buffer.from(o.hash, 'hex') };
    events.push(entry);
    if (leafIndex !== null) {
      const recorded = typeof o.sealedHash === 'string' && HEX64.test(o.sealedHash) ? Buffer.from(o.sealedHash, 'hex') : entry.eventHash;
      sealed.push({ ...entry, leafIndex, eventHash: recorded });
    }
  }
  const big = (p: string) => BigInt(p);
  events.sort((a, b) => (a.leafIndex ?? Infinity) - (b.leafIndex ?? Infinity) || (big(a.position) < big(b.position) ? -1 : 1));
  sealed.sort((a, b) => a.leafIndex - b.leafIndex);
  // A gap in the record (a leaf neither exported nor listed as gone) leaves the record short there.
  const contiguous: LeafEntry[] = [];
  for (const l of sealed) {
    if (l.leafIndex !== contiguous.length) break;
    contiguous.push(l);
  }
  return { log: [events], sealed: [contiguous] };
}
