import { ChainRow, ChainVerifier, VerifyReport } from './chain-verifier';

/**
 * The NDJSON export (GET /v1/audit/export), everything an auditor needs to check a copy
 * offline, without the database:
 *   1. one `export-header` line: the filters, whether the export is complete, the snapshot;
 *   2. one RAW stored event per line (data as stored, not upcast), in position order;
 *   3. one `stream-summary` line per stream: its last exported version and hash, and count;
 *   4. a final `export-summary` line: how many events and streams the file holds.
 *   5. one `sealed-leaf` line per leaf of the transparency tree whose event is gone from the log.
 * Meta lines carry `kind`; event lines never do (their `type` is the event type). Event lines
 * carry `leafIndex` (their leaf in the transparency tree, null if not sealed yet) and, where the
 * tree sealed a different event hash, `sealedHash`.
 */
export const NDJSON = 'application/x-ndjson';
export const EXPORT_FORMAT = 'almanac-export/1';

export interface ExportHeaderLine {
  kind: 'export-header';
  format: typeof EXPORT_FORMAT;
  exportedAt: string;
  /** False when filtered by type, actor or from: streams are then partial, gaps expected. */
  complete: boolean;
  filters: Record<string, string>;
  /** The database snapshot every line was read from (pg_snapshot text). */
  snapshot: string;
  /** The log's checkpoint verifier key when it was exported. */
  verifierKey?: string;
}

export interface StreamSummaryLine {
  kind: 'stream-summary';
  streamId: string;
  version: number;
  lastHash: string;
  events: number;
}

export interface SealedLeafLine {
  kind: 'sealed-leaf';
  leafIndex: number;
  position: string;
  streamId: string;
  version: number;
  eventHash: string;
}

export interface ExportSummaryLine {
  kind: 'export-summary';
  count: number;
  streams: number;
}

export interface ExportCheckReport extends VerifyReport {
  /** Problems with the file as a whole: unreadable lines, missing or mismatching summaries. */
  file: { ok: boolean; complete: boolean | null; problems: string[] };
}

const HEX64 = /^[0-9a-f]{64}$/;
const MAX_PROBLEMS = 1000;

/** Checks an export line by line: every stream's chain, then the summaries against the lines. */
export class ExportChecker {
  private verifier: ChainVerifier | null = null;
  private header: ExportHeaderLine | null = null;
  private final: ExportSummaryLine | null = null;
  private readonly summaries = new Map<string, StreamSummaryLine>();
  private readonly problems: string[] = [];
  private lineNo = 0;
  private events = 0;

  /** Feed one line of the file (blank lines are ignored). */
  line(text: string): void {
    this.lineNo++;
    if (text.trim() === '') return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.problem(`line ${this.lineNo}: not JSON`);
    }
    if (!o || typeof o !== 'object' || Array.isArray(o)) return this.problem(`line ${this.lineNo}: not a JSON object`);
    if (this.final) this.problem(`line ${this.lineNo}: content after the export-summary line`);
    switch (o.kind) {
      case 'export-header':
        if (this.lineNo !== 1 || this.header) this.problem(`line ${this.lineNo}: the export-header must be the first line, once`);
        this.header = o as unknown as ExportHeaderLine;
        return;
      case 'stream-summary': {
        const s = o as unknown as StreamSummaryLine;
        if (this.summaries.has(s.streamId)) this.problem(`line ${this.lineNo}: a second stream-summary for ${s.streamId}`);
        this.summaries.set(s.streamId, s);
        return;
      }
      case 'sealed-leaf': {
        const l = o as unknown as SealedLeafLine;
        return this.problem(`leaf ${l.leafIndex} of the transparency tree (${l.streamId} v${l.version}, position ${l.position}) was sealed, but its event is gone from the log`);
      }
      case 'export-summary':
        this.final = o as unknown as ExportSummaryLine;
        return;
      case undefined:
        break;
      default:
        return this.problem(`line ${this.lineNo}: unknown kind ${JSON.stringify(o.kind)}`);
    }
    const row = asRow(o);
    if (!row) return this.problem(`line ${this.lineNo}: not a stored event (needs id, position, streamId, version, type, schemaVersion, data, metadata, recordedAt, prevHash, hash)`);
    if (this.summaries.size) this.problem(`line ${this.lineNo}: an event after the stream summaries`);
    this.events++;
    this.chain().push(row);
  }

  finish(): ExportCheckReport {
    const v = this.chain();
    const tails = v.streamTails();
    if (!this.header) this.problem('no export-header line: not an export of this format');
    if (!this.final) this.problem('no export-summary line: the file is truncated');
    else {
      if (this.final.count !== this.events) this.problem(`export-summary says ${this.final.count} events, the file holds ${this.events}`);
      if (this.final.streams !== tails.size) this.problem(`export-summary says ${this.final.streams} streams, the file holds ${tails.size}`);
    }
    for (const [streamId, tail] of tails) {
      const s = this.summaries.get(streamId);
      if (!s) {
        this.problem(`stream ${streamId}: no stream-summary line`);
        continue;
      }
      if (s.version !== tail.highest.version) this.problem(`stream ${streamId}: summary says last version ${s.version}, the file's last is ${tail.highest.version}`);
      else if (s.lastHash !== tail.highest.hash) this.problem(`stream ${streamId}: summary says last hash ${s.lastHash}, the file's is ${tail.highest.hash}`);
      if (s.events !== tail.events) this.problem(`stream ${streamId}: summary says ${s.events} events, the file holds ${tail.events}`);
    }
    for (const streamId of this.summaries.keys()) if (!tails.has(streamId)) this.problem(`stream ${streamId}: a stream-summary line but no events`);
    const report = v.report();
    const fileOk = this.problems.length === 0;
    return { ...report, ok: report.ok && fileOk, file: { ok: fileOk, complete: this.header ? this.header.complete : null, problems: this.problems.slice(0, MAX_PROBLEMS) } };
  }

  private chain(): ChainVerifier {
    // The header comes first, so the mode is known before the first event.
    this.verifier ??= new ChainVerifier({ order: 'position', partial: this.header ? !this.header.complete : false });
    return this.verifier;
  }

  private problem(p: string): void {
    this.problems.push(p);
  }
}

/** Checks a whole export given as an async sequence of lines (e.g. readline over a file). */
export async function checkExport(lines: AsyncIterable<string> | Iterable<string>): Promise<ExportCheckReport> {
  const checker = new ExportChecker();
  for await (const l of lines) checker.line(l);
  return checker.finish();
}

function asRow(o: Record<string, unknown>): ChainRow | null {
  const ok =
    typeof o.id === 'string' &&
    typeof o.position === 'string' &&
    /^\d{1,19}$/.test(o.position) &&
    typeof o.streamId === 'string' &&
    Number.isInteger(o.version) &&
    typeof o.type === 'string' &&
    Number.isInteger(o.schemaVersion) &&
    'data' in o &&
    'metadata' in o &&
    typeof o.recordedAt === 'string' &&
    typeof o.prevHash === 'string' &&
    typeof o.hash === 'string' &&
    HEX64.test(o.hash);
  if (!ok) return null;
  return {
    id: o.id as string,
    position: o.position as string,
    streamId: o.streamId as string,
    version: o.version as number,
    type: o.type as string,
    schemaVersion: o.schemaVersion as number,
    data: o.data,
    metadata: o.metadata,
    recordedAt: o.recordedAt as string,
    prevHash: o.prevHash as string,
    hash: o.hash as string,
  };
}
