import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EventMetadata, LOG_START, LogCheckpoint, StoredEvent, checkpointOf, compareCheckpoints } from '../../src/events/envelope';
import { AppendResult, WrongExpectedVersionError } from '../../src/events/event-store.port';
import { GENESIS_HASH, eventHash } from '../../src/events/hash-chain';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { UpcasterRegistry } from '../../src/events/upcasters';
import { seededRandom } from '../support/run';
import { TestDatabase, createTestDatabase, withDatabase } from '../support/database';
import { countingDataSource } from '../support/statements';
import { waitFor } from '../support/wait';

/** Commit delays drawn from the run's seed (printed on failure), so a failing interleaving can be replayed. */
const random = seededRandom('event-store gap safety');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function meta(extra: Partial<EventMetadata> = {}): EventMetadata {
  return { actor: 'user:alice', correlationId: randomUUID(), causationId: randomUUID(), ...extra };
}

function stream(): string {
  return `test-${randomUUID()}`;
}

interface RawRow {
  id: string;
  position: string;
  transaction_id: string;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recorded_at: Date;
  prev_hash: string;
  hash: string;
}

const RAW_COLUMNS = 'id, position::text AS position, transaction_id::text AS transaction_id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash';

/** Inserts one event the way the store does, but inside the caller's (raw pg) transaction. */
async function insertRaw(client: Client, streamId: string, version: number, type = 'RawThing'): Promise<{ id: string; position: string; transactionId: string }> {
  const id = randomUUID();
  const recordedAt = new Date();
  const res = await client.query<{ id: string; position: string; transaction_id: string }>(
    `INSERT INTO events (id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10)
     RETURNING id, position::text AS position, transaction_id::text AS transaction_id`,
    [id, streamId, version, type, 1, JSON.stringify({ n: version }), JSON.stringify({ ...meta(), recordedAt: recordedAt.toISOString() }), recordedAt, 'raw-prev', 'raw-hash'],
  );
  const row = res.rows[0];
  return { id: row.id, position: row.position, transactionId: row.transaction_id };
}

/** A gap-safe reader as a projection would run it: resumes after the last event it saw. */
class Reader {
  checkpoint: LogCheckpoint = LOG_START;
  readonly seen: StoredEvent[] = [];
  private readonly ids = new Set<string>();

  constructor(
    private readonly store: PostgresEventStore,
    private readonly limit = 100,
  ) {}

  /** One readAll call; returns what it got. Fails on a duplicate or a checkpoint that does not advance. */
  async poll(): Promise<StoredEvent[]> {
    const batch = await this.store.readAll(this.checkpoint, this.limit);
    for (const e of batch) {
      if (this.ids.has(e.id)) throw new Error(`event ${e.id} delivered twice`);
      const next = checkpointOf(e);
      if (compareCheckpoints(next, this.checkpoint) <= 0) {
        throw new Error(`checkpoint went backwards: ${JSON.stringify(this.checkpoint)} -> ${JSON.stringify(next)}`);
      }
      this.ids.add(e.id);
      this.seen.push(e);
      this.checkpoint = next;
    }
    return batch;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }
}

describe('PostgresEventStore against PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const clients: Client[] = [];

  async function rawClient(): Promise<Client> {
    const c = new Client({ connectionString: db.url, application_name: 'event-store-int-raw' });
    await c.connect();
    clients.push(c);
    return c;
  }

  async function allIds(): Promise<string[]> {
    const rows: { id: string }[] = await db.dataSource.query('SELECT id FROM events');
    return rows.map((r) => r.id);
  }

  async function rawRow(id: string): Promise<RawRow> {
    const rows: RawRow[] = await db.dataSource.query(`SELECT ${RAW_COLUMNS} FROM events WHERE id = $1`, [id]);
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  beforeAll(async () => {
    db = await createTestDatabase('event_store');
    store = new PostgresEventStore(db.dataSource, new UpcasterRegistry());
  });

  afterAll(async () => {
    for (const c of clients) {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end().catch(() => undefined);
    }
    if (db) await db.drop();
  });

  describe('head()', () => {
    // Declared first: it needs the file's database to be still empty.
    it('given an empty log, when head() is read, then it is position 0 with no recordedAt', async () => {
      await expect(store.head()).resolves.toEqual({ position: '0', recordedAt: null });
    });

    it('given events in several streams, when head() is read, then it is the highest committed position and its recordedAt', async () => {
      await store.append(stream(), 0, [{ type: 'Thing', data: { a: 1 } }], meta());
      const last = await store.append(
        stream(),
        0,
        [
          { type: 'Thing', data: { a: 2 } },
          { type: 'Thing', data: { a: 3 } },
        ],
        meta(),
      );

      const head = await store.head();

      const max: { position: string }[] = await db.dataSource.query('SELECT max(position)::text AS position FROM events');
      expect(head.position).toBe(max[0].position);
      expect(head.position).toBe(last.position);
      expect(head.recordedAt).toEqual(last.events[1].recordedAt);
    });
  });

  describe('append and readStream', () => {
    it('given a new stream, when events are appended in two batches, then readStream returns them with versions 1..n, uuids, metadata, recordedAt, schemaVersion and increasing positions', async () => {
      const streamId = stream();
      const m1 = meta({ idempotencyKey: 'key-1' });
      const m2 = meta({ actor: 'subscriber:42', idempotencyKey: 'key-2' });

      const first = await store.append(
        streamId,
        0,
        [
          { type: 'Created', data: { title: 'standup' } },
          { type: 'Renamed', data: { title: 'daily standup' } },
          { type: 'Moved', data: { start: '2025-01-01T09:00:00.000Z' } },
        ],
        m1,
      );
      const second = await store.append(
        streamId,
        3,
        [
          { type: 'Renamed', data: { title: 'sync' } },
          { type: 'Cancelled', data: { reason: null, nested: { list: [1, 2, 3] } } },
        ],
        m2,
      );

      expect(first.version).toBe(3);
      expect(second.version).toBe(5);
      expect(first.position).toBe(first.events[2].position);
      expect(second.position).toBe(second.events[1].position);

      const events = await store.readStream(streamId);

      expect(events).toEqual([...first.events, ...second.events]);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
      expect(events.map((e) => e.type)).toEqual(['Created', 'Renamed', 'Moved', 'Renamed', 'Cancelled']);
      expect(events[4].data).toEqual({ reason: null, nested: { list: [1, 2, 3] } });
      for (const e of events) {
        expect(e.id).toMatch(UUID);
        expect(e.streamId).toBe(streamId);
        expect(e.schemaVersion).toBe(1);
        expect(e.recordedAt).toBeInstanceOf(Date);
        expect(Number.isNaN(e.recordedAt.getTime())).toBe(false);
        expect(Math.abs(e.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
        expect(BigInt(e.transactionId)).toBeGreaterThan(0n);
      }
      expect(new Set(events.map((e) => e.id)).size).toBe(5);
      for (const e of events.slice(0, 3)) {
        expect(e.metadata).toMatchObject({ actor: 'user:alice', correlationId: m1.correlationId, causationId: m1.causationId, idempotencyKey: 'key-1' });
      }
      for (const e of events.slice(3)) {
        expect(e.metadata).toMatchObject({ actor: 'subscriber:42', correlationId: m2.correlationId, causationId: m2.causationId, idempotencyKey: 'key-2' });
      }
      for (let i = 1; i < events.length; i++) {
        expect(BigInt(events[i].position)).toBeGreaterThan(BigInt(events[i - 1].position));
      }
      // One batch is one transaction; the second batch is a later one.
      expect(new Set(first.events.map((e) => e.transactionId)).size).toBe(1);
      expect(BigInt(second.events[0].transactionId)).toBeGreaterThan(BigInt(first.events[0].transactionId));
    });

    it('given an unknown stream, when it is read, then it is empty', async () => {
      await expect(store.readStream(stream())).resolves.toEqual([]);
    });

    it('given no events, when append is called, then it rejects and stores nothing', async () => {
      const streamId = stream();
      await expect(store.append(streamId, 0, [], meta())).rejects.toThrow('at least one event');
      await expect(store.readStream(streamId)).resolves.toEqual([]);
    });
  });

  describe('optimistic concurrency', () => {
    it('given 20 writers at the same expected version, when they append concurrently, then exactly one wins and 19 get WrongExpectedVersionError with actualVersion 1', async () => {
      const streamId = stream();

      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.append(streamId, 0, [{ type: 'Claimed', data: { writer: i } }], meta())));

      const fulfilled = results.filter((r): r is PromiseFulfilledResult<AppendResult> => r.status === 'fulfilled');
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(19);
      for (const r of rejected) {
        expect(r.reason).toBeInstanceOf(WrongExpectedVersionError);
        const err = r.reason as WrongExpectedVersionError;
        expect(err.streamId).toBe(streamId);
        expect(err.expectedVersion).toBe(0);
        expect(err.actualVersion).toBe(1);
      }
      const events = await store.readStream(streamId);
      expect(events).toHaveLength(1);
      expect(events[0].id).toBe(fulfilled[0].value.events[0].id);
      expect(events[0].version).toBe(1);
    });

    it('given 20 writers racing on an existing stream at version 2, when they append concurrently, then one wins with version 3 and the rest see actualVersion 3', async () => {
      const streamId = stream();
      await store.append(
        streamId,
        0,
        [
          { type: 'A', data: {} },
          { type: 'B', data: {} },
        ],
        meta(),
      );

      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.append(
            streamId,
            2,
            [
              { type: 'C', data: { writer: i } },
              { type: 'D', data: { writer: i } },
            ],
            meta(),
          ),
        ),
      );

      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(19);
      for (const r of rejected) {
        expect(r.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect((r.reason as WrongExpectedVersionError).actualVersion).toBe(4);
      }
      const events = await store.readStream(streamId);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
      // Both events of the winning batch come from the same writer.
      expect(events[2].data).toEqual(events[3].data);
    });

    it('given a stream at version 2, when appending with a stale (or future) expected version, then it rejects and appends nothing', async () => {
      const streamId = stream();
      await store.append(
        streamId,
        0,
        [
          { type: 'A', data: {} },
          { type: 'B', data: {} },
        ],
        meta(),
      );
      const before = await store.readStream(streamId);
      const countBefore = (await allIds()).length;

      for (const expected of [0, 1, 3]) {
        const err = await store
          .append(
            streamId,
            expected,
            [
              { type: 'C', data: {} },
              { type: 'D', data: {} },
            ],
            meta(),
          )
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(WrongExpectedVersionError);
        expect(err).toMatchObject({ streamId, expectedVersion: expected, actualVersion: 2 });
      }

      await expect(store.readStream(streamId)).resolves.toEqual(before);
      expect((await allIds()).length).toBe(countBefore);
    });
  });

  describe('gap-safe readAll', () => {
    it('given a slow transaction holding a lower position, when faster appends commit first, then the reader withholds them until the slow one commits and sees every event exactly once', async () => {
      const reader = new Reader(store);
      // Catch up with whatever earlier tests wrote.
      await waitFor('the reader to catch up', async () => (await reader.poll()).length === 0 && reader.size === (await allIds()).length);
      const caughtUpAt = reader.checkpoint;

      const slow = await rawClient();
      let slowEvent: { id: string; position: string; transactionId: string };
      await slow.query('BEGIN');
      try {
        await slow.query('SELECT pg_current_xact_id()');
        slowEvent = await insertRaw(slow, stream(), 1, 'Slow');

        const fast: AppendResult[] = [];
        for (let i = 0; i < 3; i++) fast.push(await store.append(stream(), 0, [{ type: 'Fast', data: { i } }], meta()));
        const fastIds = fast.map((r) => r.events[0].id);
        // The fast events are committed and visible (and past the slow event's position)...
        expect(await store.readStream(fast[0].events[0].streamId)).toHaveLength(1);
        for (const f of fast) expect(BigInt(f.position)).toBeGreaterThan(BigInt(slowEvent.position));
        expect(BigInt((await store.head()).position)).toBeGreaterThanOrEqual(BigInt(fast[2].position));

        // ...but a reader must not move past the open slow transaction.
        for (let i = 0; i < 5; i++) {
          const batch = await reader.poll();
          expect(batch.map((e) => e.id)).toEqual([]);
        }
        expect(reader.checkpoint).toEqual(caughtUpAt);
        for (const id of fastIds) expect(reader.has(id)).toBe(false);

        await slow.query('COMMIT');

        await waitFor('the reader to see the slow and the fast events', async () => {
          await reader.poll();
          return reader.has(slowEvent.id) && fastIds.every((id) => reader.has(id));
        });
        // The slow transaction started first, so its event comes before the fast ones.
        const order = reader.seen.map((e) => e.id);
        expect(order.indexOf(slowEvent.id)).toBeLessThan(order.indexOf(fastIds[0]));
      } finally {
        await slow.query('ROLLBACK').catch(() => undefined);
      }

      await reader.poll();
      const ids = await allIds();
      expect(reader.seen.map((e) => e.id).sort()).toEqual([...ids].sort());
    });

    it('given an older transaction in flight in ANOTHER database of the cluster, when an append commits here, then the reader gets it without waiting for that transaction', async () => {
      const reader = new Reader(store);
      await waitFor('the reader to catch up', async () => (await reader.poll()).length === 0 && reader.size === (await allIds()).length);
      const elsewhere = new Client({ connectionString: withDatabase(db.url, 'postgres'), application_name: 'event-store-int-elsewhere' });
      await elsewhere.connect();
      clients.push(elsewhere);
      await elsewhere.query('BEGIN');
      try {
        const older = BigInt((await elsewhere.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0].x);
        const here = await store.append(stream(), 0, [{ type: 'Here', data: {} }], meta());
        expect(BigInt(here.events[0].transactionId)).toBeGreaterThan(older);
        // Held open for the whole wait: a reader that counted it would never get the event.
        await waitFor('the reader to get the event', async () => (await reader.poll(), reader.has(here.events[0].id)), 3000, 10);
      } finally {
        await elsewhere.query('ROLLBACK');
      }
    });

    it('given the reader’s own transaction holds a transaction id (a projection locks its checkpoint first), when an append commits after it, then a read inside that transaction gets it', async () => {
      await waitFor('every earlier transaction to end', async () => (await store.latestCheckpoint()).position === (await store.head()).position);
      await db.dataSource.transaction(async (tx) => {
        await tx.query('SELECT pg_current_xact_id()');
        const after = await store.append(stream(), 0, [{ type: 'AfterMine', data: {} }], meta());
        const from = { transactionId: String(BigInt(after.events[0].transactionId) - 1n), position: '0' };
        // Polled: a transaction of another database that ends during the read may count for a moment; this one never ends meanwhile.
        await waitFor('the read inside the transaction to get the event', async () => (await store.readAll(from, 10, tx)).some((e) => e.id === after.events[0].id), 3000, 10);
      });
    });

    it('given a rolled-back transaction, when the reader continues, then it neither stalls nor sees the aborted event', async () => {
      const reader = new Reader(store);
      await waitFor('the reader to catch up', async () => (await reader.poll()).length === 0 && reader.size === (await allIds()).length);

      const aborted = await rawClient();
      await aborted.query('BEGIN');
      const ghost = await insertRaw(aborted, stream(), 1, 'Ghost');
      const after = await store.append(stream(), 0, [{ type: 'After', data: {} }], meta());
      await aborted.query('ROLLBACK');

      await waitFor('the reader to see the event after the rollback', async () => {
        await reader.poll();
        return reader.has(after.events[0].id);
      });
      expect(reader.has(ghost.id)).toBe(false);
      expect(reader.seen.map((e) => e.id).sort()).toEqual((await allIds()).sort());
    });

    it('given 8 concurrent writers whose commits interleave out of position order, when a reader polls continuously, then it sees every event exactly once with each stream in version order', async () => {
      const reader = new Reader(store, 7); // a small page also exercises resuming mid-transaction
      const shared = stream();
      let writing = true;

      const readerLoop = (async () => {
        while (writing) {
          const batch = await reader.poll();
          if (batch.length === 0) await new Promise((r) => setImmediate(r));
        }
      })();

      const writer = async (w: number): Promise<void> => {
        const raw = await rawClient();
        const own = [stream(), stream()];
        const versions = [0, 0];
        for (let step = 0; step < 8; step++) {
          const k = step % 2;
          if ((step + w) % 3 === 0) {
            // Shared stream through the store: contended, retried on a lost race.
            for (;;) {
              const current = (await store.readStream(shared)).length;
              try {
                await store.append(shared, current, [{ type: 'Shared', data: { w, step } }], meta());
                break;
              } catch (err) {
                if (!(err instanceof WrongExpectedVersionError)) throw err;
              }
            }
          } else if ((step + w) % 3 === 1) {
            // Slow raw transaction: xid early, position taken mid-way, commit late.
            await raw.query('BEGIN');
            try {
              await raw.query('SELECT pg_current_xact_id()');
              await raw.query('SELECT pg_sleep($1)', [random() * 0.02]);
              for (let n = 0; n < 1 + (step % 3); n++) await insertRaw(raw, own[k], ++versions[k]);
              await raw.query('SELECT pg_sleep($1)', [random() * 0.03]);
              await raw.query('COMMIT');
            } catch (err) {
              await raw.query('ROLLBACK').catch(() => undefined);
              throw err;
            }
          } else {
            const n = 1 + (step % 2);
            const events = Array.from({ length: n }, (_, i) => ({ type: 'Fast', data: { w, step, i } }));
            await store.append(own[k], versions[k], events, meta());
            versions[k] += n;
          }
        }
      };

      try {
        await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      } finally {
        writing = false;
        await readerLoop;
      }

      const ids = await allIds();
      await waitFor('the reader to drain the log', async () => {
        await reader.poll();
        return reader.size === ids.length;
      });
      expect(await reader.poll()).toEqual([]);
      expect(reader.seen.map((e) => e.id).sort()).toEqual([...ids].sort());

      const lastVersion = new Map<string, number>();
      for (const e of reader.seen) {
        const prev = lastVersion.get(e.streamId) ?? 0;
        expect({ stream: e.streamId, version: e.version }).toEqual({ stream: e.streamId, version: prev + 1 });
        lastVersion.set(e.streamId, e.version);
      }
      expect(lastVersion.get(shared)).toBeGreaterThan(0);
    });
  });

  describe('numeric ordering across a power of ten', () => {
    // Regression: the text aliases `position::text AS position` / `transaction_id::text AS
    // transaction_id` win over the columns in a bare ORDER BY, which then sorts '10000' < '9996'.
    it('given one append whose positions cross a power of ten, when head() and a paging reader run, then both use numeric order and the reader skips nothing', async () => {
      const reader = new Reader(store, 3);
      await waitFor('the reader to catch up', async () => (await reader.poll()).length === 0 && reader.size === (await allIds()).length);
      const max: { position: string }[] = await db.dataSource.query('SELECT max(position)::text AS position FROM events');
      const boundary = 10n ** BigInt(max[0].position.length + 1);
      // Only moves the identity sequence of this file's own database forward; no row is touched.
      await db.dataSource.query(`SELECT setval(pg_get_serial_sequence('events', 'position'), $1::bigint)`, [(boundary - 5n).toString()]);

      const streamId = stream();
      const result = await store.append(
        streamId,
        0,
        Array.from({ length: 10 }, (_, i) => ({ type: 'Tick', data: { i } })),
        meta(),
      );
      const expected = Array.from({ length: 10 }, (_, i) => (boundary - 4n + BigInt(i)).toString());
      expect(result.events.map((e) => e.position)).toEqual(expected);
      expect(result.position).toBe((boundary + 5n).toString());

      await expect(store.head()).resolves.toEqual({ position: (boundary + 5n).toString(), recordedAt: result.events[9].recordedAt });

      await waitFor('the reader to page through the batch', async () => {
        await reader.poll();
        return reader.has(result.events[9].id);
      });
      expect(reader.seen.filter((e) => e.streamId === streamId).map((e) => e.position)).toEqual(expected);
      expect(reader.seen.map((e) => e.id).sort()).toEqual((await allIds()).sort());
    });
  });

  describe('append-only enforcement', () => {
    it('given a stored event, when UPDATE, DELETE or TRUNCATE is run through the app DataSource, then each is rejected and the row is unchanged', async () => {
      const { events } = await store.append(stream(), 0, [{ type: 'Immutable', data: { x: 1 } }], meta());
      const id = events[0].id;
      const before = await rawRow(id);
      const count = (await allIds()).length;

      await expect(db.dataSource.query(`UPDATE events SET data = '{"x": 2}'::jsonb WHERE id = $1`, [id])).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(db.dataSource.query('UPDATE events SET hash = $1', ['forged'])).rejects.toThrow(/append-only/);
      await expect(db.dataSource.query('DELETE FROM events WHERE id = $1', [id])).rejects.toThrow(/append-only: DELETE refused/);
      await expect(db.dataSource.query('DELETE FROM events')).rejects.toThrow(/append-only/);
      await expect(db.dataSource.query('TRUNCATE events')).rejects.toThrow(/append-only: TRUNCATE refused/);

      expect(await rawRow(id)).toEqual(before);
      expect((await allIds()).length).toBe(count);
    });
  });

  describe('hash chain', () => {
    it('given a stream of 3 events appended in two batches, when read, then prev_hash links to GENESIS and each previous hash, and every hash recomputes', async () => {
      const streamId = stream();
      await store.append(streamId, 0, [{ type: 'Created', data: { title: 'x', tags: ['a', 'b'], n: 1.5 } }], meta({ idempotencyKey: 'h-1' }));
      await store.append(
        streamId,
        1,
        [
          { type: 'Renamed', data: { z: 1, a: { c: 2, b: 1 } } },
          { type: 'Deleted', data: {} },
        ],
        meta(),
      );

      const events = await store.readStream(streamId);

      expect(events).toHaveLength(3);
      expect(events[0].prevHash).toBe(GENESIS_HASH);
      expect(events[1].prevHash).toBe(events[0].hash);
      expect(events[2].prevHash).toBe(events[1].hash);
      for (const e of events) {
        expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
        const recomputed = eventHash(e.prevHash, {
          id: e.id,
          streamId: e.streamId,
          version: e.version,
          type: e.type,
          schemaVersion: e.schemaVersion,
          data: e.data,
          metadata: e.metadata,
          recordedAt: e.recordedAt.toISOString(),
        });
        expect(recomputed).toBe(e.hash);
      }
      expect(new Set(events.map((e) => e.hash)).size).toBe(3);
    });
  });

  describe('time travel', () => {
    it('given events recorded at different instants, when readStream is given recordedUntil, then it returns only events recorded up to that instant', async () => {
      const streamId = stream();
      const first = await store.append(
        streamId,
        0,
        [
          { type: 'A', data: {} },
          { type: 'B', data: {} },
        ],
        meta(),
      );
      const t1 = first.events[0].recordedAt;
      await waitFor('the clock to pass the first batch', () => Date.now() > t1.getTime() + 1, 1000, 1);
      const second = await store.append(streamId, 2, [{ type: 'C', data: {} }], meta());
      const t2 = second.events[0].recordedAt;
      expect(t2.getTime()).toBeGreaterThan(t1.getTime());

      expect(await store.readStream(streamId, { recordedUntil: new Date(t1.getTime() - 1) })).toEqual([]);
      expect((await store.readStream(streamId, { recordedUntil: t1 })).map((e) => e.version)).toEqual([1, 2]);
      expect((await store.readStream(streamId, { recordedUntil: new Date(t2.getTime() - 1) })).map((e) => e.version)).toEqual([1, 2]);
      expect((await store.readStream(streamId, { recordedUntil: t2 })).map((e) => e.version)).toEqual([1, 2, 3]);
      expect((await store.readStream(streamId, { recordedUntil: new Date(t2.getTime() + 60_000) })).map((e) => e.version)).toEqual([1, 2, 3]);
    });
  });

  describe('upcasting', () => {
    it('given a v1 event in the log, when read through a store with a v1->v2 upcaster, then data and schemaVersion are upcast and the stored row is unchanged', async () => {
      const streamId = stream();
      const oldStore = new PostgresEventStore(db.dataSource, new UpcasterRegistry());
      const { events } = await oldStore.append(streamId, 0, [{ type: 'Thing', data: { title: 'lunch', keep: true } }], meta());
      const before = await rawRow(events[0].id);
      expect(before.schema_version).toBe(1);

      const registry = new UpcasterRegistry().register('Thing', 1, ({ title, ...rest }) => ({ ...rest, name: title }));
      const newStore = new PostgresEventStore(db.dataSource, registry);

      const [upcast] = await newStore.readStream(streamId);
      expect(upcast.schemaVersion).toBe(2);
      expect(upcast.data).toEqual({ name: 'lunch', keep: true });
      expect(upcast.id).toBe(events[0].id);
      expect(upcast.hash).toBe(events[0].hash);

      // readAll lags while any transaction in the cluster is in flight, so poll for the event.
      const viaReadAll = await waitFor('readAll to return the v1 event', async () => (await newStore.readAll(LOG_START, 10_000)).find((e) => e.id === events[0].id));
      expect(viaReadAll).toMatchObject({ schemaVersion: 2, data: { name: 'lunch', keep: true } });
      // A replay's lean read upcasts too (it asks the registry only for types that have steps).
      const viaLogged = await waitFor('readAllLogged to return the v1 event', async () => (await newStore.readAllLogged(LOG_START, 10_000)).find((e) => e.streamId === streamId));
      expect(viaLogged).toMatchObject({ version: 1, schemaVersion: 2, data: { name: 'lunch', keep: true } });

      // The log itself is never rewritten.
      expect(await rawRow(events[0].id)).toEqual(before);
      expect(before.data).toEqual({ title: 'lunch', keep: true });
      expect((await oldStore.readStream(streamId))[0]).toMatchObject({ schemaVersion: 1, data: { title: 'lunch', keep: true } });

      // New events are written at the current version and not upcast again.
      const appended = await newStore.append(streamId, 1, [{ type: 'Thing', data: { name: 'dinner' } }], meta());
      expect((await rawRow(appended.events[0].id)).schema_version).toBe(2);
      expect((await newStore.readStream(streamId)).map((e) => [e.schemaVersion, e.data])).toEqual([
        [2, { name: 'lunch', keep: true }],
        [2, { name: 'dinner' }],
      ]);
    });
  });

  describe('group commit', () => {
    function expectChained(events: StoredEvent[]): void {
      let prev = GENESIS_HASH;
      for (const e of events) {
        expect(e.prevHash).toBe(prev);
        const { id, streamId, version, type, schemaVersion, data, metadata } = e;
        expect(e.hash).toBe(eventHash(prev, { id, streamId, version, type, schemaVersion, data, metadata, recordedAt: e.recordedAt.toISOString() }));
        prev = e.hash;
      }
    }

    /** Settles every append; the ones issued in the same tick after the first go as one batch. */
    async function settleAll(appends: Promise<AppendResult>[]): Promise<PromiseSettledResult<AppendResult>[]> {
      return Promise.allSettled(appends);
    }

    it('given appends issued together with stale, future and taken versions among them, when they commit, then the winners share one transaction with their own versions and positions and each loser alone gets WrongExpectedVersionError', async () => {
      const existing = stream();
      const taken = stream();
      await store.append(
        existing,
        0,
        [
          { type: 'A', data: {} },
          { type: 'B', data: {} },
        ],
        meta(),
      );
      await store.append(taken, 0, [{ type: 'A', data: {} }], meta());
      const fresh1 = stream();
      const fresh2 = stream();

      const [plug, ok1, stale, future, takenAgain, ok2, ok3] = await settleAll([
        store.append(stream(), 0, [{ type: 'Plug', data: {} }], meta()), // goes alone; the rest wait for it and batch
        store.append(existing, 2, [{ type: 'C', data: { n: 3 } }], meta()),
        store.append(existing, 1, [{ type: 'Stale', data: {} }], meta()),
        store.append(fresh1, 5, [{ type: 'Future', data: {} }], meta()),
        store.append(taken, 0, [{ type: 'Again', data: {} }], meta()),
        store.append(
          fresh1,
          0,
          [
            { type: 'New', data: {} },
            { type: 'Next', data: {} },
          ],
          meta(),
        ),
        store.append(fresh2, 0, [{ type: 'New', data: {} }], meta()),
      ]);

      expect(plug.status).toBe('fulfilled');
      for (const [r, expected, actual] of [
        [stale, 1, 3],
        [future, 5, 0],
        [takenAgain, 0, 1],
      ] as const) {
        expect(r.status).toBe('rejected');
        const err = (r as PromiseRejectedResult).reason as WrongExpectedVersionError;
        expect(err).toBeInstanceOf(WrongExpectedVersionError);
        expect([err.expectedVersion, err.actualVersion]).toEqual([expected, actual]);
      }
      const winners = [ok1, ok2, ok3].map((r) => {
        expect(r.status).toBe('fulfilled');
        return (r as PromiseFulfilledResult<AppendResult>).value;
      });
      expect(winners.map((w) => w.version)).toEqual([3, 2, 1]);
      for (const w of winners) expect(w.position).toBe(w.events[w.events.length - 1].position);
      const positions = winners.flatMap((w) => w.events.map((e) => BigInt(e.position)));
      expect(new Set(positions).size).toBe(positions.length);
      expect(new Set(winners.flatMap((w) => w.events.map((e) => e.transactionId))).size).toBe(1);

      const existingEvents = await store.readStream(existing);
      expect(existingEvents.map((e) => e.type)).toEqual(['A', 'B', 'C']);
      expectChained(existingEvents);
      expect((await store.readStream(taken)).map((e) => e.type)).toEqual(['A']);
      const fresh1Events = await store.readStream(fresh1);
      expect(fresh1Events).toEqual(winners[1].events);
      expectChained(fresh1Events);
      const types: { type: string }[] = await db.dataSource.query("SELECT type FROM events WHERE type IN ('Stale', 'Future', 'Again')");
      expect(types).toEqual([]);
    });

    it('given two appends to the same stream in one batch, when the second expects the first one’s version, then both commit and the second chains on the first', async () => {
      const s = stream();
      const [, first, second] = await settleAll([
        store.append(stream(), 0, [{ type: 'Plug', data: {} }], meta()),
        store.append(
          s,
          0,
          [
            { type: 'Created', data: {} },
            { type: 'Renamed', data: { t: 'x' } },
          ],
          meta(),
        ),
        store.append(s, 2, [{ type: 'Moved', data: { to: 'y' } }], meta()),
      ]);

      expect(first.status).toBe('fulfilled');
      expect(second.status).toBe('fulfilled');
      const a = (first as PromiseFulfilledResult<AppendResult>).value;
      const b = (second as PromiseFulfilledResult<AppendResult>).value;
      expect([a.version, b.version]).toEqual([2, 3]);
      expect(BigInt(b.position)).toBeGreaterThan(BigInt(a.position));
      expect(b.events[0].prevHash).toBe(a.events[1].hash);
      const events = await store.readStream(s);
      expect(events).toEqual([...a.events, ...b.events]);
      expectChained(events);
    });

    it('given two appends to the same new stream in one batch, when both expect version 0, then the first commits and the second conflicts with actual version 1 without failing the batch', async () => {
      const s = stream();
      const other = stream();
      const [, first, second, bystander] = await settleAll([
        store.append(stream(), 0, [{ type: 'Plug', data: {} }], meta()),
        store.append(s, 0, [{ type: 'First', data: {} }], meta()),
        store.append(s, 0, [{ type: 'Second', data: {} }], meta()),
        store.append(other, 0, [{ type: 'Bystander', data: {} }], meta()),
      ]);

      expect(first.status).toBe('fulfilled');
      expect(bystander.status).toBe('fulfilled');
      expect(second.status).toBe('rejected');
      expect((second as PromiseRejectedResult).reason).toMatchObject({ name: 'WrongExpectedVersionError', expectedVersion: 0, actualVersion: 1 });
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(['First']);
    });

    it('given two stores (two processes) appending to the same streams at once, when they race, then each stream gets exactly one winner per version and an unbroken chain', async () => {
      const other = new PostgresEventStore(db.dataSource, new UpcasterRegistry());
      const streams = Array.from({ length: 12 }, () => stream());
      await Promise.all(streams.map((s) => store.append(s, 0, [{ type: 'Created', data: {} }], meta())));

      const results = await settleAll(
        streams.flatMap((s) => [
          store.append(
            s,
            1,
            [
              { type: 'Mine', data: {} },
              { type: 'Mine2', data: {} },
            ],
            meta(),
          ),
          other.append(
            s,
            1,
            [
              { type: 'Theirs', data: {} },
              { type: 'Theirs2', data: {} },
            ],
            meta(),
          ),
        ]),
      );

      for (const [i, s] of streams.entries()) {
        const pair = results.slice(i * 2, i * 2 + 2);
        expect(pair.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const loser = pair.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(loser.reason).toMatchObject({ name: 'WrongExpectedVersionError', expectedVersion: 1, actualVersion: 3 });
        const events = await store.readStream(s);
        expect(events.map((e) => e.version)).toEqual([1, 2, 3]);
        expectChained(events);
      }
    });

    it('given many concurrent appends batched into few transactions, when a reader polls during them, then it sees every event exactly once in (transaction, position) order with each stream in version order', async () => {
      const reader = new Reader(store, 37);
      while ((await reader.poll()).length > 0);
      const streams = Array.from({ length: 40 }, () => stream());
      let writing = true;
      const polling = (async () => {
        while (writing) await reader.poll();
      })();
      const results: AppendResult[] = [];
      for (let round = 0; round < 5; round++) {
        results.push(...(await Promise.all(streams.map((s) => store.append(s, round, [{ type: 'Step', data: { round } }], meta())))));
      }
      writing = false;
      await polling;
      await waitFor('the reader has every appended event', async () => {
        await reader.poll();
        return results.every((r) => reader.has(r.events[0].id));
      });

      const transactions = new Set(results.map((r) => r.events[0].transactionId));
      expect(transactions.size).toBeLessThan(results.length); // batched
      for (const s of streams) {
        const seen = reader.seen.filter((e) => e.streamId === s);
        expect(seen.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
        expectChained(seen);
      }
    });

    it('given a two-event append to a stream another writer already started, when it is batched, then nothing of it is written (no orphan version 2), it gets WrongExpectedVersionError and the rest of the batch commits', async () => {
      const taken = stream();
      await store.append(taken, 0, [{ type: 'Theirs', data: {} }], meta());
      const fresh = stream();
      const [, pair, single] = await settleAll([
        store.append(stream(), 0, [{ type: 'Plug', data: {} }], meta()), // goes alone; the rest wait for it and batch
        store.append(
          taken,
          0,
          [
            { type: 'Mine', data: {} },
            { type: 'MineToo', data: {} },
          ],
          meta(),
        ),
        store.append(fresh, 0, [{ type: 'New', data: {} }], meta()),
      ]);
      expect(pair.status).toBe('rejected');
      const err = (pair as PromiseRejectedResult).reason as WrongExpectedVersionError;
      expect(err).toBeInstanceOf(WrongExpectedVersionError);
      expect([err.expectedVersion, err.actualVersion]).toEqual([0, 1]);
      const takenEvents = await store.readStream(taken);
      expect(takenEvents.map((e) => e.type)).toEqual(['Theirs']);
      expect(single.status).toBe('fulfilled');
      expect((await store.readStream(fresh)).map((e) => e.type)).toEqual(['New']);
    });

    it('given one-event appends to distinct streams batched together, when they commit, then the batch is its head read and one INSERT without BEGIN or COMMIT; a batch with a two-event append still gets a transaction', async () => {
      const counted = await countingDataSource(db.url);
      try {
        const counting = new PostgresEventStore(counted.dataSource, new UpcasterRegistry());
        const existing = stream();
        await counting.append(existing, 0, [{ type: 'A', data: {} }], meta());
        counted.statements.length = 0;
        const [plug, fresh1, fresh2, next] = await settleAll([
          counting.append(stream(), 0, [{ type: 'Plug', data: {} }], meta()), // goes alone; the rest wait for it and batch
          counting.append(stream(), 0, [{ type: 'New', data: {} }], meta()),
          counting.append(stream(), 0, [{ type: 'New', data: {} }], meta()),
          counting.append(existing, 1, [{ type: 'B', data: {} }], meta()),
        ]);
        const winners = [plug, fresh1, fresh2, next].map((r) => {
          expect(r.status).toBe('fulfilled');
          return (r as PromiseFulfilledResult<AppendResult>).value;
        });
        expect(counted.statements.map((q) => q.split(' ').slice(0, 2).join(' '))).toEqual(['INSERT INTO', 'SELECT DISTINCT', 'INSERT INTO']);
        expect(new Set(winners.slice(1).map((w) => w.events[0].transactionId)).size).toBe(1);
        expect(winners.map((w) => w.version)).toEqual([1, 1, 1, 2]);
        expectChained(await counting.readStream(existing));

        counted.statements.length = 0;
        const [, pair, single] = await settleAll([
          counting.append(stream(), 0, [{ type: 'Plug', data: {} }], meta()),
          counting.append(
            stream(),
            0,
            [
              { type: 'New', data: {} },
              { type: 'Next', data: {} },
            ],
            meta(),
          ),
          counting.append(stream(), 0, [{ type: 'New', data: {} }], meta()),
        ]);
        expect([pair.status, single.status]).toEqual(['fulfilled', 'fulfilled']);
        expect(counted.statements.map((q) => q.split(' ').slice(0, 2).join(' '))).toEqual(['INSERT INTO', 'START TRANSACTION', 'INSERT INTO', 'COMMIT']);
      } finally {
        await counted.dataSource.destroy();
      }
    });
  });
});
