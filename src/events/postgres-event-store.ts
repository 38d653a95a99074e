import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventMetadata, LogCheckpoint, LoggedEvent, NewEvent, StoredEvent } from './envelope';
import { AppendListener, AppendResult, EventStore, LogFilter, LogLag, LogTransaction, ReadStreamOptions, StreamAppend, WrongExpectedVersionError } from './event-store.port';
import { ChainedEvent, GENESIS_HASH, chainEvents } from './hash-chain';
import { READABLE_HORIZON, gapSafePage } from './horizon';
import { UpcasterRegistry } from './upcasters';

/** A row of `events` exactly as stored: data NOT upcast (what the hash covers). */
export interface RawEventRow {
  id: string;
  position: string;
  transaction_id: string;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recorded_at: Date;
  prev_hash: string;
  hash: string;
}

/** What `readAllLogged` selects. */
interface LoggedEventRow extends Pick<RawEventRow, 'position' | 'transaction_id' | 'stream_id' | 'version' | 'type' | 'schema_version' | 'data'> {
  recorded_ms: number;
}

/** Every column, bigints as text; queries alias the table as `e`. */
export const EVENT_COLUMNS =
  'e.id, e.position::text AS position, e.transaction_id::text AS transaction_id, e.stream_id, e.version, e.type, e.schema_version, e.data, e.metadata, e.recorded_at, e.prev_hash, e.hash';

/** Rows per group commit: 10 parameters a row stays far below PostgreSQL's 65,535. */
const MAX_BATCH_ROWS = 500;

interface PendingAppend {
  streamId: string;
  expectedVersion: number;
  events: NewEvent[];
  metadata: EventMetadata;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

/** A batch that a concurrent writer left half applicable: rolled back and retried one by one. */
class PartialBatchError extends Error {}

export class PostgresEventStore extends EventStore {
  private readonly logger = new Logger(PostgresEventStore.name);
  private readonly listeners: AppendListener[] = [];

  constructor(
    private readonly db: DataSource,
    private readonly upcasters: UpcasterRegistry,
  ) {
    super();
  }

  private readonly conflictListeners: (() => void)[] = [];

  override onAppended(listener: AppendListener): void {
    this.listeners.push(listener);
  }

  /** Told of every append refused for a wrong expected version (metrics). */
  onConflict(listener: () => void): void {
    this.conflictListeners.push(listener);
  }

  /** Appends waiting for the next group commit, in arrival order. */
  private readonly pending: PendingAppend[] = [];
  private flushing = false;

  /**
   * Group commit: one appender per process. When nothing is in flight an append is written at
   * once (no added latency for a lone client); appends that arrive while a commit is in flight
   * wait for it and then go together, up to MAX_BATCH_ROWS rows, in one transaction (one
   * multi-row INSERT, one commit). The batch window is therefore the previous commit's own
   * duration, as in PostgreSQL's group commit. Each append keeps its own result, position,
   * hash chain and expected-version conflict.
   */
  async append(streamId: string, expectedVersion: number, events: NewEvent[], metadata: EventMetadata): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    let result: AppendResult;
    try {
      result = await new Promise<AppendResult>((resolve, reject) => {
        this.pending.push({ streamId, expectedVersion, events, metadata, resolve, reject });
        if (!this.flushing) void this.drain();
      });
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) for (const l of this.conflictListeners) l();
      throw err;
    }
    // After commit, and never awaited: a write must not wait on (or fail with) Redis.
    for (const listener of this.listeners) {
      Promise.resolve()
        .then(() => listener(result))
        .catch((err: unknown) => this.logger.warn({ err, streamId }, 'append listener failed; the periodic sweep will catch up'));
    }
    return result;
  }

  /**
   * Outside the group commit: its own transaction, each stream's head read and checked inside
   * it (the unique (stream_id, version) index still settles a race with another process).
   */
  async appendMany(appends: StreamAppend[], metadata: EventMetadata): Promise<AppendResult[]> {
    if (appends.length === 0 || appends.some((a) => a.events.length === 0)) throw new Error('appendMany needs at least one event per stream');
    if (new Set(appends.map((a) => a.streamId)).size !== appends.length) throw new Error('appendMany takes each stream once');
    let results: AppendResult[];
    try {
      results = await this.db.transaction(async (tx) => {
        const out: AppendResult[] = [];
        // The version check reads the head even of a new stream: inside one transaction a unique
        // violation would abort it, and the caller must learn which stream was taken.
        for (const a of appends) out.push(await this.appendIn(tx, a.streamId, a.expectedVersion, a.events, metadata, true));
        return out;
      });
    } catch (err) {
      const refused = isUniqueViolation(err, 'events_stream_version_key') ? await this.movedStream(appends) : err instanceof WrongExpectedVersionError ? err : null;
      if (refused) for (const l of this.conflictListeners) l();
      throw refused ?? err;
    }
    for (const result of results) {
      for (const listener of this.listeners) {
        Promise.resolve()
          .then(() => listener(result))
          .catch((e: unknown) => this.logger.warn({ err: e }, 'append listener failed; the periodic sweep will catch up'));
      }
    }
    return results;
  }

  /** After a lost race (another process took a version first; nothing was written): the stream that moved. */
  private async movedStream(appends: StreamAppend[]): Promise<WrongExpectedVersionError | null> {
    for (const a of appends) {
      const actual = await this.streamVersion(a.streamId);
      if (actual !== a.expectedVersion) return new WrongExpectedVersionError(a.streamId, a.expectedVersion, actual);
    }
    return null;
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        let rows = 0;
        let n = 0;
        while (n < this.pending.length && (n === 0 || rows + this.pending[n].events.length <= MAX_BATCH_ROWS)) rows += this.pending[n++].events.length;
        const batch = this.pending.splice(0, n);
        if (batch.length === 1) await this.settle(batch[0], () => this.appendOne(batch[0]));
        else await this.appendBatch(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async settle(p: PendingAppend, run: () => Promise<AppendResult>): Promise<void> {
    try {
      p.resolve(await run());
    } catch (err) {
      p.reject(err);
    }
  }

  /** One append on its own: the path a lone client takes, and the fallback of a batch. */
  private async appendOne({ streamId, expectedVersion, events, metadata }: PendingAppend): Promise<AppendResult> {
    try {
      // A new stream has no previous hash to read, and one INSERT is atomic on its own: one
      // round trip instead of four (BEGIN, read the last event, INSERT, COMMIT). An existing
      // stream still makes it collide with the unique (stream_id, version) index.
      return expectedVersion === 0
        ? await this.appendIn(this.db.manager, streamId, 0, events, metadata)
        : await this.db.transaction((tx) => this.appendIn(tx, streamId, expectedVersion, events, metadata));
    } catch (err) {
      // Two writers that both saw the same version race for the same (stream_id, version):
      // the unique index lets exactly one commit; the other learns it lost.
      if (isUniqueViolation(err, 'events_stream_version_key')) throw new WrongExpectedVersionError(streamId, expectedVersion, await this.streamVersion(streamId));
      throw err;
    }
  }

  /**
   * Several appends in one transaction. The heads of the streams that need them are read in one
   * statement and checked in arrival order (a second append to a stream in the batch chains on
   * the first, or conflicts with it); the winners go in one INSERT … ON CONFLICT DO NOTHING, so
   * a writer in another process that took a version first makes that append lose without failing
   * the rest. If such a race leaves an append half written (or chained on a loser), the whole
   * transaction rolls back and the batch is retried append by append.
   *
   * A batch of one-event appends to distinct streams cannot be half written: each row is a whole
   * append, and the INSERT is atomic on its own. It goes without BEGIN and COMMIT (two round trips
   * of three for the common batch of new streams). A head read before it stays valid without a
   * transaction: events are never changed, and a version taken meanwhile loses at the INSERT.
   */
  private async appendBatch(batch: PendingAppend[]): Promise<void> {
    const outcome = new Map<PendingAppend, AppendResult | WrongExpectedVersionError>();
    let lostAtInsert: PendingAppend[];
    const rowPerAppend = batch.every((p) => p.events.length === 1) && new Set(batch.map((p) => p.streamId)).size === batch.length;
    try {
      lostAtInsert = rowPerAppend ? await this.writeBatch(this.db.manager, batch, outcome) : await this.db.transaction((tx) => this.writeBatch(tx, batch, outcome));
    } catch (err) {
      // A race with another process, or anything unexpected: nothing of this batch was
      // committed; each append is tried on its own, so each gets its own answer.
      if (!(err instanceof PartialBatchError)) this.logger.warn({ err, appends: batch.length }, 'group commit failed; appending one by one');
      for (const p of batch) await this.settle(p, () => this.appendOne(p));
      return;
    }
    for (const p of lostAtInsert) outcome.set(p, new WrongExpectedVersionError(p.streamId, p.expectedVersion, await this.streamVersion(p.streamId)));
    for (const p of batch) {
      const o = outcome.get(p);
      if (o === undefined) p.reject(new Error('group commit: append left without an outcome'));
      else if (o instanceof WrongExpectedVersionError) p.reject(o);
      else p.resolve(o);
    }
  }

  /** The statements of appendBatch, through `m`; records each append's outcome and returns those that lost at the INSERT. */
  private async writeBatch(m: EntityManager, batch: PendingAppend[], outcome: Map<PendingAppend, AppendResult | WrongExpectedVersionError>): Promise<PendingAppend[]> {
    const seen = new Map<string, number>();
    for (const p of batch) seen.set(p.streamId, (seen.get(p.streamId) ?? 0) + 1);
    const needsHead = new Set(batch.filter((p) => p.expectedVersion !== 0).map((p) => p.streamId));
    const toRead = [...seen].filter(([id, count]) => count > 1 || needsHead.has(id)).map(([id]) => id);
    const heads = new Map<string, { version: number; hash: string }>();
    if (toRead.length > 0) {
      const rows: { stream_id: string; version: number; hash: string }[] = await m.query(
        'SELECT DISTINCT ON (stream_id) stream_id, version, hash FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version DESC',
        [toRead],
      );
      for (const r of rows) heads.set(r.stream_id, { version: r.version, hash: r.hash });
    }

    const recordedAt = new Date(new Date().toISOString()); // millisecond precision, exact in timestamptz
    const accepted: { p: PendingAppend; chained: ChainedEvent[]; after: PendingAppend | null }[] = [];
    const lastAccepted = new Map<string, PendingAppend>();
    for (const p of batch) {
      const head = heads.get(p.streamId) ?? { version: 0, hash: GENESIS_HASH };
      if (head.version !== p.expectedVersion) {
        outcome.set(p, new WrongExpectedVersionError(p.streamId, p.expectedVersion, head.version));
        continue;
      }
      const versioned = p.events.map((e) => ({ ...e, schemaVersion: this.upcasters.currentVersion(e.type) }));
      const chained = chainEvents(p.streamId, p.expectedVersion, head.hash, versioned, p.metadata, recordedAt);
      accepted.push({ p, chained, after: lastAccepted.get(p.streamId) ?? null });
      lastAccepted.set(p.streamId, p);
      heads.set(p.streamId, { version: p.expectedVersion + p.events.length, hash: chained[chained.length - 1].hash });
    }
    if (accepted.length === 0) return [];

    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const { p, chained } of accepted) {
      for (const c of chained) {
        const b = params.length;
        tuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}::jsonb, $${b + 7}::jsonb, $${b + 8}, $${b + 9}, $${b + 10})`);
        params.push(c.id, p.streamId, c.version, c.type, c.schemaVersion, JSON.stringify(c.data), JSON.stringify(c.metadata), recordedAt, c.prevHash, c.hash);
      }
    }
    const inserted: RawEventRow[] = await m.query(
      `INSERT INTO events AS e (id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
       VALUES ${tuples.join(', ')} ON CONFLICT (stream_id, version) DO NOTHING RETURNING ${EVENT_COLUMNS}`,
      params,
    );
    const byId = new Map(inserted.map((r) => [r.id, r]));
    const complete = new Set<PendingAppend>();
    const lostAtInsert: PendingAppend[] = [];
    for (const { p, chained, after } of accepted) {
      const rows = chained.map((c) => byId.get(c.id));
      const written = rows.filter((r) => r !== undefined).length;
      const predecessorLost = after !== null && !complete.has(after);
      if (written === 0) {
        lostAtInsert.push(p);
        continue;
      }
      if (written < rows.length || predecessorLost) throw new PartialBatchError();
      complete.add(p);
      const stored = (rows as RawEventRow[]).map((r) => this.toStored(r)).sort((a, b) => a.version - b.version);
      outcome.set(p, { version: p.expectedVersion + p.events.length, position: stored[stored.length - 1].position, events: stored });
    }
    return lostAtInsert;
  }

  private async appendIn(tx: EntityManager, streamId: string, expectedVersion: number, events: NewEvent[], metadata: EventMetadata, readHead = false): Promise<AppendResult> {
    const last: { version: number; hash: string }[] =
      expectedVersion === 0 && !readHead ? [] : await tx.query('SELECT version, hash FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1', [streamId]);
    const actual = last[0]?.version ?? 0;
    if (actual !== expectedVersion) throw new WrongExpectedVersionError(streamId, expectedVersion, actual);

    const recordedAt = new Date(new Date().toISOString()); // millisecond precision, exact in timestamptz
    const versioned = events.map((e) => ({ ...e, schemaVersion: this.upcasters.currentVersion(e.type) }));
    const chained = chainEvents(streamId, expectedVersion, last[0]?.hash ?? GENESIS_HASH, versioned, metadata, recordedAt);
    const rows: unknown[] = [];
    const tuples: string[] = [];
    chained.forEach((c, i) => {
      const b = i * 10;
      tuples.push(`($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}::jsonb, $${b + 7}::jsonb, $${b + 8}, $${b + 9}, $${b + 10})`);
      rows.push(c.id, streamId, c.version, c.type, c.schemaVersion, JSON.stringify(c.data), JSON.stringify(c.metadata), recordedAt, c.prevHash, c.hash);
    });
    const inserted: RawEventRow[] = await tx.query(
      `INSERT INTO events AS e (id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
       VALUES ${tuples.join(', ')} RETURNING ${EVENT_COLUMNS}`,
      rows,
    );
    const stored = inserted.map((r) => this.toStored(r));
    return { version: expectedVersion + events.length, position: stored[stored.length - 1].position, events: stored };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const params: unknown[] = [streamId];
    let until = '';
    if (options.recordedUntil) {
      params.push(options.recordedUntil);
      until = 'AND e.recorded_at <= $2';
    }
    const rows: RawEventRow[] = await this.db.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE e.stream_id = $1 ${until} ORDER BY e.version`, params);
    return rows.map((r) => this.toStored(r));
  }

  /** One statement for every stream (a send batch's subscribers). */
  async readStreams(streamIds: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    const streams = new Map<string, StoredEvent[]>(streamIds.map((id) => [id, []]));
    if (!streamIds.length) return streams;
    const rows: RawEventRow[] = await this.db.query(`SELECT ${EVENT_COLUMNS} FROM events e WHERE e.stream_id = ANY($1::text[]) ORDER BY e.stream_id, e.version`, [streamIds]);
    for (const r of rows) {
      const e = this.toStored(r);
      streams.get(e.streamId)?.push(e);
    }
    return streams;
  }

  /** `within`: read inside the caller's transaction (the projection runner's batch). */
  async readAll(after: LogCheckpoint, limit: number, within?: LogTransaction): Promise<StoredEvent[]> {
    const rows: RawEventRow[] = await this.manager(within).query(gapSafePage(EVENT_COLUMNS), [after.transactionId, after.position, limit]);
    return rows.map((r) => this.toStored(r));
  }

  /**
   * `readAll` in the shape a fold reads: the id, metadata and hashes left in the table (most of a
   * row's bytes to send and parse), `recorded_at` as epoch milliseconds (a number parses far
   * faster than a timestamp's text; both truncate to the millisecond).
   */
  override async readAllLogged(after: LogCheckpoint, limit: number, within?: LogTransaction): Promise<LoggedEvent[]> {
    const rows: LoggedEventRow[] = await this.manager(within).query(
      gapSafePage(
        `e.position::text AS position, e.transaction_id::text AS transaction_id, e.stream_id, e.version, e.type, e.schema_version, e.data,
         trunc(extract(epoch FROM e.recorded_at) * 1000)::float8 AS recorded_ms`,
      ),
      [after.transactionId, after.position, limit],
    );
    // Built in one step per row, the upcaster asked only for a type it has steps for: a replay
    // holds its page while it folds, so every object per row is copied by each young-generation GC.
    return rows.map((r) => {
      const up = this.upcasters.hasSteps(r.type) ? this.upcasters.upcast(r.type, r.schema_version, r.data) : null;
      return {
        position: r.position,
        transactionId: r.transaction_id,
        streamId: r.stream_id,
        version: r.version,
        type: r.type,
        schemaVersion: up ? up.schemaVersion : r.schema_version,
        data: up ? up.data : r.data,
        recordedAt: new Date(r.recorded_ms),
      };
    });
  }

  /** A stream's events from `from` to `to` (both inclusive, in log order), inside the caller's transaction: what a parked stream re-applies. */
  async readStreamBetween(within: LogTransaction, streamId: string, from: LogCheckpoint, to: LogCheckpoint): Promise<StoredEvent[]> {
    const rows: RawEventRow[] = await this.manager(within).query(
      `SELECT ${EVENT_COLUMNS} FROM events e
        WHERE e.stream_id = $1 AND (e.transaction_id, e.position) >= ($2::xid8, $3::bigint) AND (e.transaction_id, e.position) <= ($4::xid8, $5::bigint)
        ORDER BY e.transaction_id, e.position`,
      [streamId, from.transactionId, from.position, to.transactionId, to.position],
    );
    return rows.map((r) => this.toStored(r));
  }

  override async readFiltered(after: LogCheckpoint, limit: number, filter: LogFilter): Promise<StoredEvent[]> {
    const { sql, params } = filterSql(filter, 4);
    const rows: RawEventRow[] = await this.db.query(gapSafePage(EVENT_COLUMNS, sql), [after.transactionId, after.position, limit, ...params]);
    return rows.map((r) => this.toStored(r));
  }

  override async latestCheckpoint(): Promise<LogCheckpoint> {
    // Readable rows only: every transaction of this database still in flight has a higher id, so it lands after this.
    const rows: { transaction_id: string; position: string }[] = await this.db.query(
      `SELECT e.transaction_id::text AS transaction_id, e.position::text AS position FROM events e
        WHERE e.transaction_id < ${READABLE_HORIZON}
        ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1`,
    );
    return rows[0] ? { transactionId: rows[0].transaction_id, position: rows[0].position } : { transactionId: '0', position: '0' };
  }

  async lagAfter(after: LogCheckpoint, filter: LogFilter = {}): Promise<LogLag> {
    const { sql, params } = filterSql(filter, 3);
    const rows: { events: number; oldest: Date | null }[] = await this.db.query(
      `SELECT count(*)::int AS events, min(e.recorded_at) AS oldest FROM events e
        WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint) ${sql}`,
      [after.transactionId, after.position, ...params],
    );
    return rows[0] ?? { events: 0, oldest: null };
  }

  async head(): Promise<{ position: string; recordedAt: Date | null }> {
    const rows: { position: string | null; recorded_at: Date | null }[] = await this.db.query('SELECT e.position::text AS position, e.recorded_at FROM events e ORDER BY e.position DESC LIMIT 1');
    return { position: rows[0]?.position ?? '0', recordedAt: rows[0]?.recorded_at ?? null };
  }

  async hasAfter(after: LogCheckpoint): Promise<boolean> {
    // Not EXISTS: for it the planner guesses a third of the table matches and picks a sequential
    // scan, which reads the whole log when nothing does (the common answer). ORDER BY … LIMIT 1
    // walks events_tx_position_idx from the checkpoint: two index pages, whatever the log's length.
    const rows: { exists: boolean }[] = await this.db.query(
      `SELECT (SELECT true FROM events e WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint) ORDER BY e.transaction_id, e.position LIMIT 1) IS NOT NULL AS exists`,
      [after.transactionId, after.position],
    );
    return rows[0].exists;
  }

  async count(): Promise<number> {
    return Number((await this.db.query('SELECT count(*)::bigint AS n FROM events'))[0].n);
  }

  async locate(position: string): Promise<{ checkpoint: LogCheckpoint | null; head: string }> {
    const rows: { txid: string | null; head: string }[] = await this.db.query(
      `SELECT (SELECT transaction_id::text FROM events WHERE position = $1) AS txid,
              (SELECT coalesce(max(position), 0)::text FROM events) AS head`,
      [position],
    );
    const { txid, head } = rows[0];
    return { checkpoint: txid ? { transactionId: txid, position } : null, head };
  }

  private manager(within: LogTransaction | undefined): EntityManager {
    return (within as EntityManager | undefined) ?? this.db.manager;
  }

  private async streamVersion(streamId: string): Promise<number> {
    const rows: { version: number | null }[] = await this.db.query('SELECT max(version) AS version FROM events WHERE stream_id = $1', [streamId]);
    return rows[0]?.version ?? 0;
  }

  toStored(r: RawEventRow): StoredEvent {
    const { schemaVersion, data } = this.upcasters.upcast(r.type, r.schema_version, r.data);
    return {
      id: r.id,
      position: r.position,
      transactionId: r.transaction_id,
      streamId: r.stream_id,
      version: r.version,
      type: r.type,
      schemaVersion,
      data,
      metadata: r.metadata,
      recordedAt: r.recorded_at,
      prevHash: r.prev_hash,
      hash: r.hash,
    };
  }
}

/** The filter as SQL conditions on alias `e`, numbering its parameters from `first`. */
function filterSql(filter: LogFilter, first: number): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.streamPrefix) {
    params.push(`${filter.streamPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    conditions.push(`AND e.stream_id LIKE $${first + params.length - 1}`);
  }
  if (filter.types?.length) {
    params.push([...filter.types]);
    conditions.push(`AND e.type = ANY($${first + params.length - 1}::text[])`);
  }
  return { sql: conditions.join(' '), params };
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.code ?? e.driverError?.code;
  const c = e.constraint ?? e.driverError?.constraint;
  return code === '23505' && c === constraint;
}
