import { GENESIS_HASH, HashedFields, eventHash } from '../../../events/hash-chain';

/**
 * Pure, streaming verification of the log's hash chains (docs/architecture.md, The log). Rows are pushed one by
 * one, as stored (RAW data, never upcast: the hash covers what was written). Used by
 * GET /v1/audit/verify, `cli audit verify` and the offline check of an export.
 */

/** One stored event, as the database or an export line has it; `recordedAt` is the ISO-8601 text that was hashed. */
export interface ChainRow extends HashedFields {
  /** Global position as a decimal string (bigint). */
  position: string;
  prevHash: string;
  hash: string;
}

export type BreakCode =
  /** The row's content does not hash to its stored hash: it was edited. */
  | 'hash-mismatch'
  /** prev_hash is not the previous version's hash (or not the genesis hash at version 1): a row removed, inserted or moved. */
  | 'prev-hash-mismatch'
  /** A version is missing before this one: removed. */
  | 'version-gap'
  /** The same version twice: inserted. */
  | 'version-duplicate'
  /** A lower version after a higher one: reordered. */
  | 'version-order'
  /** A higher version at a lower global position: reordered or inserted. */
  | 'position-order';

export interface ChainBreak {
  streamId: string;
  version: number;
  position: string;
  /** Human-readable, one clause per code. */
  reason: string;
  codes: BreakCode[];
}

export interface VerifyReport {
  ok: boolean;
  streams: number;
  events: number;
  broken: ChainBreak[];
  /** Breaks found in all; `broken` lists at most `maxBreaks` of them. */
  brokenCount: number;
}

export interface StreamTail {
  /** The last row seen: what the next row must link to. */
  version: number;
  hash: string;
  position: string;
  events: number;
  /** The highest version seen and its hash (differs from the last row only when rows were moved). */
  highest: { version: number; hash: string };
}

export interface ChainVerifierOptions {
  /**
   * 'stream': rows come ordered by (stream, version), as from the database; only the current
   * stream's tail is kept, so memory is constant. 'position': rows come in global position
   * order, as in an export; one tail per stream is kept.
   */
  order: 'stream' | 'position';
  /**
   * A filtered export holds only some versions of a stream: gaps are expected, and a link
   * is checked only between consecutive versions. Every row's own hash is always checked.
   */
  partial?: boolean;
  maxBreaks?: number;
}

export class ChainVerifier {
  private readonly tails = new Map<string, StreamTail>();
  private current: { streamId: string; tail: StreamTail } | null = null;
  private readonly broken: ChainBreak[] = [];
  private brokenCount = 0;
  private streamCount = 0;
  private eventCount = 0;
  private readonly maxBreaks: number;

  constructor(private readonly options: ChainVerifierOptions) {
    this.maxBreaks = options.maxBreaks ?? 1000;
  }

  push(row: ChainRow): void {
    this.eventCount++;
    const tail = this.tailOf(row.streamId);
    const found: { code: BreakCode; detail: string }[] = [];
    const add = (code: BreakCode, detail: string) => found.push({ code, detail });

    const recomputed = safeHash(row);
    if (recomputed !== row.hash) add('hash-mismatch', `stored hash ${short(row.hash)} but the content hashes to ${short(recomputed)}`);

    if (!tail) {
      if (row.version !== 1 && !this.options.partial) add('version-gap', `the stream starts at version ${row.version}, not 1`);
      if ((row.version === 1 || !this.options.partial) && row.prevHash !== GENESIS_HASH) add('prev-hash-mismatch', 'the first event of a stream must link to the genesis hash');
    } else {
      const contiguous = row.version === tail.version + 1;
      if (row.version === tail.version) add('version-duplicate', `version ${row.version} appears twice`);
      else if (row.version < tail.version) add('version-order', `version ${row.version} comes after version ${tail.version}`);
      else if (!contiguous && !this.options.partial) add('version-gap', `expected version ${tail.version + 1}, found ${row.version}`);
      if ((contiguous || !this.options.partial) && row.prevHash !== tail.hash) {
        add('prev-hash-mismatch', `prev_hash ${short(row.prevHash)} is not the hash ${short(tail.hash)} of version ${tail.version}`);
      }
      if (compareDecimal(row.position, tail.position) <= 0) {
        add('position-order', `position ${row.position} is not after position ${tail.position} of version ${tail.version}`);
      }
    }

    const highest = tail && tail.highest.version >= row.version ? tail.highest : { version: row.version, hash: row.hash };
    const next: StreamTail = { version: row.version, hash: row.hash, position: row.position, events: (tail?.events ?? 0) + 1, highest };
    this.setTail(row.streamId, next);
    if (found.length) {
      this.brokenCount++;
      if (this.broken.length < this.maxBreaks) {
        this.broken.push({ streamId: row.streamId, version: row.version, position: row.position, reason: found.map((f) => `${f.code}: ${f.detail}`).join('; '), codes: found.map((f) => f.code) });
      }
    }
  }

  /** Position order only: the last row seen of every stream (for the export summary check). */
  streamTails(): ReadonlyMap<string, StreamTail> {
    return this.tails;
  }

  report(): VerifyReport {
    return { ok: this.brokenCount === 0, streams: this.streamCount, events: this.eventCount, broken: [...this.broken], brokenCount: this.brokenCount };
  }

  private tailOf(streamId: string): StreamTail | undefined {
    if (this.options.order === 'position') return this.tails.get(streamId);
    return this.current?.streamId === streamId ? this.current.tail : undefined;
  }

  private setTail(streamId: string, tail: StreamTail): void {
    if (tail.events === 1) this.streamCount++;
    if (this.options.order === 'position') this.tails.set(streamId, tail);
    else this.current = { streamId, tail };
  }
}

/** A row whose content cannot even be canonicalised (e.g. a non-finite number) is a mismatch, not a crash. */
function safeHash(row: ChainRow): string {
  try {
    return eventHash(row.prevHash, row);
  } catch (err) {
    return `unhashable (${err instanceof Error ? err.message : String(err)})`;
  }
}

const short = (h: string): string => (h.length > 16 ? `${h.slice(0, 12)}…` : h);

/** Compares non-negative decimal strings without losing bigint precision. */
export function compareDecimal(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x === y ? 0 : x < y ? -1 : 1;
}
