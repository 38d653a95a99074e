import { AuditLogReader, LogFilters } from '../../../events/audit-log.reader';
import { toChainRow } from '../verification/chain-row';
import type { SealedLeaf } from '../transparency/tree.repository';
import { EXPORT_FORMAT, ExportHeaderLine, ExportSummaryLine, SealedLeafLine, StreamSummaryLine } from '../verification/export-format';

/** The transparency tree's record of each event's leaf (export lines carry `leafIndex`). */
export interface SealedLeaves {
  leavesByPositions(positions: readonly string[]): Promise<Map<string, SealedLeaf>>;
  orphanedLeaves(): Promise<SealedLeaf[]>;
  /** The checkpoint verifier key, so an export can be checked against a checkpoint offline (pin your own with --key). */
  verifierKey(): Promise<string>;
}

/**
 * The export's lines (see export-format.ts), every one read from the same snapshot so the
 * summaries describe exactly the events above them. A generator: the HTTP response pulls a
 * line when the client is ready for it, so a slow client never makes the server buffer.
 */
export async function* exportLines(reader: AuditLogReader, filters: LogFilters, sealed?: SealedLeaves): AsyncGenerator<string> {
  const snapshot = await reader.snapshot();
  const header: ExportHeaderLine = {
    kind: 'export-header',
    format: EXPORT_FORMAT,
    exportedAt: new Date().toISOString(),
    // Only a stream filter or an upper time bound keeps every exported stream a whole prefix.
    complete: !filters.type && !filters.actor && !filters.from,
    filters: describe(filters),
    snapshot,
    ...(sealed ? { verifierKey: await sealed.verifierKey() } : {}),
  };
  yield `${JSON.stringify(header)}\n`;
  let count = 0;
  for await (const rows of reader.byPosition(filters, snapshot)) {
    count += rows.length;
    const leaves = sealed ? await sealed.leavesByPositions(rows.map((r) => r.position)) : new Map<string, SealedLeaf>();
    yield rows
      .map((r) => {
        const leaf = leaves.get(r.position);
        // The sealer's hash only where it differs from the event's: the offline check names the leaf.
        const sealedHash = leaf && leaf.eventHash.toString('hex') !== r.hash ? { sealedHash: leaf.eventHash.toString('hex') } : {};
        return `${JSON.stringify({ ...toChainRow(r), ...(sealed ? { leafIndex: leaf?.leafIndex ?? null, ...sealedHash } : {}) })}\n`;
      })
      .join('');
  }
  let streams = 0;
  for await (const rows of reader.streamSummaries(filters, snapshot)) {
    streams += rows.length;
    yield rows.map((s) => `${JSON.stringify({ kind: 'stream-summary', streamId: s.stream_id, version: s.version, lastHash: s.hash, events: s.events } satisfies StreamSummaryLine)}\n`).join('');
  }
  // Leaves the tree sealed whose event is gone from the log (only an owner of the database can remove one).
  if (sealed && header.complete && !filters.stream && !filters.to) {
    for (const l of await sealed.orphanedLeaves()) {
      const line: SealedLeafLine = { kind: 'sealed-leaf', leafIndex: l.leafIndex, position: l.position, streamId: l.streamId, version: l.version, eventHash: l.eventHash.toString('hex') };
      yield `${JSON.stringify(line)}\n`;
    }
  }
  yield `${JSON.stringify({ kind: 'export-summary', count, streams } satisfies ExportSummaryLine)}\n`;
}

function describe(f: LogFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.type) out.type = f.type;
  if (f.actor) out.actor = f.actor;
  if (f.stream) out.stream = f.stream;
  if (f.from) out.from = f.from.toISOString();
  if (f.to) out.to = f.to.toISOString();
  return out;
}
