import { randomUUID } from 'node:crypto';
import { EventMetadata, LOG_START, LogCheckpoint, StoredEvent, checkpointOf, compareCheckpoints } from '../../src/events/envelope';
import { AppendResult, EventStore, WrongExpectedVersionError } from '../../src/events/event-store.port';
import { GENESIS_HASH, eventHash } from '../../src/events/hash-chain';
import { UpcasterRegistry } from '../../src/events/upcasters';
import { waitFor } from '../support/wait';

/**
 * Opens a store over one log for the whole suite. Stores opened by the same factory share
 * that log (so an old and a new upcaster registry can read the same events).
 */
export type OpenStore = (upcasters?: UpcasterRegistry) => EventStore;

export interface ContractSubject {
  /** Called once before the suite; the returned factory is used by every test. */
  setUp(): Promise<OpenStore>;
  tearDown?(): Promise<void>;
}

const meta = (extra: Partial<EventMetadata> = {}): EventMetadata => ({ actor: 'user:alice', correlationId: randomUUID(), causationId: randomUUID(), ...extra });
const stream = (): string => `contract-${randomUUID()}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function refusal(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (err: unknown) => err,
  );
}

/** Reads the whole log from the start in pages of `limit`, resuming after the last event seen. */
async function readAllPaged(store: EventStore, limit: number): Promise<StoredEvent[]> {
  const seen: StoredEvent[] = [];
  let at: LogCheckpoint = LOG_START;
  for (;;) {
    const page = await store.readAll(at, limit);
    expect(page.length).toBeLessThanOrEqual(limit);
    for (const e of page) {
      expect(compareCheckpoints(checkpointOf(e), at)).toBe(1);
      at = checkpointOf(e);
    }
    seen.push(...page);
    if (page.length < limit) return seen;
  }
}

/**
 * What every EventStore adapter promises, run as one suite against each of them: callers
 * (command handlers, the projection runner, auditors) may rely on exactly this and no more.
 */
export function eventStoreContract(name: string, subject: ContractSubject): void {
  describe(`EventStore contract: ${name}`, () => {
    let open: OpenStore;
    let store: EventStore;

    beforeAll(async () => {
      open = await subject.setUp();
      store = open();
    });
    afterAll(async () => {
      await subject.tearDown?.();
    });

    describe('append and readStream', () => {
      it('numbers a stream 1..n across appends, keeps data and metadata, and gives each event an id and a later position', async () => {
        const s = stream();
        const m1 = meta({ idempotencyKey: 'k-1' });
        const first = await store.append(
          s,
          0,
          [
            { type: 'Created', data: { title: 'standup' } },
            { type: 'Renamed', data: { title: 'daily' } },
          ],
          m1,
        );
        const second = await store.append(s, 2, [{ type: 'Cancelled', data: { reason: null, nested: { list: [1, 2, 3] } } }], meta({ actor: 'subscriber:42' }));

        expect([first.version, second.version]).toEqual([2, 3]);
        expect(first.position).toBe(first.events[1].position);
        expect(second.position).toBe(second.events[0].position);

        const events = await store.readStream(s);
        expect(events.map((e) => [e.version, e.type, e.data])).toEqual([
          [1, 'Created', { title: 'standup' }],
          [2, 'Renamed', { title: 'daily' }],
          [3, 'Cancelled', { reason: null, nested: { list: [1, 2, 3] } }],
        ]);
        expect(events).toEqual([...first.events, ...second.events]);
        for (const e of events) {
          expect(e.id).toMatch(UUID);
          expect(e.streamId).toBe(s);
          expect(e.schemaVersion).toBe(1);
          expect(Math.abs(e.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
        }
        expect(events[0].metadata).toMatchObject({ actor: 'user:alice', correlationId: m1.correlationId, idempotencyKey: 'k-1' });
        expect(events[2].metadata).toMatchObject({ actor: 'subscriber:42' });
        for (let i = 1; i < events.length; i++) expect(BigInt(events[i].position)).toBeGreaterThan(BigInt(events[i - 1].position));
        // One append is one transaction; a later append is a later one.
        expect(first.events[0].transactionId).toBe(first.events[1].transactionId);
        expect(BigInt(second.events[0].transactionId)).toBeGreaterThan(BigInt(first.events[0].transactionId));
      });

      it('reads an unknown stream as empty', async () => {
        await expect(store.readStream(stream())).resolves.toEqual([]);
      });

      it('refuses an append of no events and stores nothing', async () => {
        const s = stream();
        await expect(store.append(s, 0, [], meta())).rejects.toThrow('at least one event');
        await expect(store.readStream(s)).resolves.toEqual([]);
      });

      it('hands back copies: changing what was appended or read does not change the log', async () => {
        const s = stream();
        const data = { tags: ['a'] };
        const { events } = await store.append(s, 0, [{ type: 'Tagged', data }], meta());
        data.tags.push('b');
        (events[0].data as { tags: string[] }).tags.push('c');
        expect((await store.readStream(s))[0].data).toEqual({ tags: ['a'] });
      });
    });

    describe('optimistic concurrency', () => {
      it('refuses a stale or future expected version with the actual version, and appends nothing', async () => {
        const s = stream();
        await store.append(
          s,
          0,
          [
            { type: 'A', data: {} },
            { type: 'B', data: {} },
          ],
          meta(),
        );
        const before = await store.readStream(s);
        for (const expected of [0, 1, 3]) {
          const err = await refusal(store.append(s, expected, [{ type: 'C', data: {} }], meta()));
          expect(err).toBeInstanceOf(WrongExpectedVersionError);
          expect(err).toMatchObject({ streamId: s, expectedVersion: expected, actualVersion: 2 });
        }
        await expect(store.readStream(s)).resolves.toEqual(before);
      });

      it('lets exactly one of 10 concurrent writers at the same version win; the others learn the new version', async () => {
        const s = stream();
        await store.append(s, 0, [{ type: 'A', data: {} }], meta());
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, w) =>
            store.append(
              s,
              1,
              [
                { type: 'B', data: { w } },
                { type: 'C', data: { w } },
              ],
              meta(),
            ),
          ),
        );
        const won = results.filter((r): r is PromiseFulfilledResult<AppendResult> => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(9);
        for (const r of lost) expect(r.reason).toMatchObject({ name: 'WrongExpectedVersionError', actualVersion: 3 });
        const events = await store.readStream(s);
        expect(events.map((e) => e.version)).toEqual([1, 2, 3]);
        // Both events of the winning append come from the same writer: an append is atomic.
        expect(events[1].data).toEqual(events[2].data);
      });
    });

    describe('appends to several streams at once', () => {
      it('writes every stream or none: a stale version of one stream refuses the whole append, naming that stream', async () => {
        const [a, b] = [stream(), stream()];
        await store.append(b, 0, [{ type: 'B1', data: {} }], meta());
        const err = await refusal(
          store.appendMany(
            [
              { streamId: a, expectedVersion: 0, events: [{ type: 'A1', data: {} }] },
              { streamId: b, expectedVersion: 0, events: [{ type: 'B2', data: {} }] },
            ],
            meta(),
          ),
        );
        expect(err).toBeInstanceOf(WrongExpectedVersionError);
        expect(err).toMatchObject({ streamId: b, expectedVersion: 0, actualVersion: 1 });
        await expect(store.readStream(a)).resolves.toEqual([]);
        expect((await store.readStream(b)).map((e) => e.type)).toEqual(['B1']);
      });

      it('chains and numbers each stream on its own, in one transaction, one result per stream in order', async () => {
        const [a, b] = [stream(), stream()];
        await store.append(a, 0, [{ type: 'A1', data: {} }], meta());
        const results = await store.appendMany(
          [
            { streamId: b, expectedVersion: 0, events: [{ type: 'B1', data: { n: 1 } }] },
            {
              streamId: a,
              expectedVersion: 1,
              events: [
                { type: 'A2', data: {} },
                { type: 'A3', data: {} },
              ],
            },
          ],
          meta(),
        );
        expect(results.map((r) => [r.version, r.events.map((e) => e.type)])).toEqual([
          [1, ['B1']],
          [3, ['A2', 'A3']],
        ]);
        expect(new Set(results.flatMap((r) => r.events.map((e) => e.transactionId))).size).toBe(1);
        const [sa, sb] = [await store.readStream(a), await store.readStream(b)];
        expect(sa.map((e) => e.version)).toEqual([1, 2, 3]);
        expect(sa[1].prevHash).toBe(sa[0].hash);
        expect(sb[0].prevHash).toBe(GENESIS_HASH);
        expect(BigInt(results[1].position)).toBeGreaterThan(BigInt(results[0].position));
      });

      it('of two concurrent multi-stream appends at the same versions exactly one wins, whole', async () => {
        const [a, b] = [stream(), stream()];
        const attempt = (w: number) =>
          store.appendMany(
            [
              { streamId: a, expectedVersion: 0, events: [{ type: 'A', data: { w } }] },
              { streamId: b, expectedVersion: 0, events: [{ type: 'B', data: { w } }] },
            ],
            meta(),
          );
        const results = await Promise.allSettled([attempt(1), attempt(2)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
        expect(lost.reason).toBeInstanceOf(WrongExpectedVersionError);
        const [sa, sb] = [await store.readStream(a), await store.readStream(b)];
        expect(sa).toHaveLength(1);
        expect(sb).toHaveLength(1);
        expect(sa[0].data).toEqual(sb[0].data);
      });
    });

    describe('the global log', () => {
      it('reads every stream in one order, the order of the appends, and pages through it without gaps or repeats', async () => {
        const [a, b] = [stream(), stream()];
        const appended = [
          await store.append(a, 0, [{ type: 'A1', data: {} }], meta()),
          await store.append(
            b,
            0,
            [
              { type: 'B1', data: {} },
              { type: 'B2', data: {} },
            ],
            meta(),
          ),
          await store.append(a, 1, [{ type: 'A2', data: {} }], meta()),
        ].flatMap((r) => r.events.map((e) => e.id));

        // The log is readable once nothing older is in flight (at once in memory, soon after in Postgres).
        const all = await waitFor('the appends to be readable', async () => {
          const everything = await store.readAll(LOG_START, 100_000);
          return appended.every((id) => everything.some((e) => e.id === id)) ? everything : undefined;
        });
        const ours = all.filter((e) => e.streamId === a || e.streamId === b).map((e) => e.id);
        expect(ours).toEqual(appended);

        const paged = await readAllPaged(store, 2);
        expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
        expect(new Set(paged.map((e) => e.id)).size).toBe(paged.length);
      });

      it('reads nothing after the last event', async () => {
        const { events } = await store.append(stream(), 0, [{ type: 'Last', data: {} }], meta());
        await waitFor('the append to be readable', async () => (await store.readAll(LOG_START, 100_000)).some((e) => e.id === events[0].id));
        await expect(store.readAll(checkpointOf(events[0]), 10)).resolves.toEqual([]);
      });

      it('puts head at the newest position, with its recordedAt', async () => {
        const last = await store.append(
          stream(),
          0,
          [
            { type: 'X', data: {} },
            { type: 'Y', data: {} },
          ],
          meta(),
        );
        await expect(store.head()).resolves.toEqual({ position: last.position, recordedAt: last.events[1].recordedAt });
      });
    });

    describe('what consumers of the log ask', () => {
      it("counts the events after a checkpoint, with the oldest one's time, and says whether any lie after it", async () => {
        const before = await store.count();
        const { events } = await store.append(
          stream(),
          0,
          [
            { type: 'A', data: {} },
            { type: 'B', data: {} },
            { type: 'C', data: {} },
          ],
          meta(),
        );
        await waitFor('the append to be readable', async () => (await store.readAll(checkpointOf(events[1]), 10)).some((e) => e.id === events[2].id));
        expect(await store.count()).toBe(before + 3);
        await expect(store.lagAfter(checkpointOf(events[0]))).resolves.toEqual({ events: 2, oldest: events[1].recordedAt });
        await expect(store.lagAfter(checkpointOf(events[2]))).resolves.toEqual({ events: 0, oldest: null });
        await expect(store.lagAfter(checkpointOf(events[0]), { types: ['C'] })).resolves.toEqual({ events: 1, oldest: events[2].recordedAt });
        await expect(store.lagAfter(checkpointOf(events[0]), { streamPrefix: 'no-such-' })).resolves.toEqual({ events: 0, oldest: null });
        await expect(store.hasAfter(checkpointOf(events[1]))).resolves.toBe(true);
        await expect(store.hasAfter(checkpointOf(events[2]))).resolves.toBe(false);
      });

      it('locates a position in the read order, and knows a position no event has', async () => {
        const { events } = await store.append(
          stream(),
          0,
          [
            { type: 'A', data: {} },
            { type: 'B', data: {} },
          ],
          meta(),
        );
        await expect(store.locate(events[0].position)).resolves.toEqual({ checkpoint: checkpointOf(events[0]), head: events[1].position });
        const beyond = String(BigInt(events[1].position) + 1000n);
        await expect(store.locate(beyond)).resolves.toEqual({ checkpoint: null, head: events[1].position });
      });

      it('reads one stream between two checkpoints, both included, in log order', async () => {
        const id = stream();
        const first = await store.append(
          id,
          0,
          [
            { type: 'A', data: {} },
            { type: 'B', data: {} },
          ],
          meta(),
        );
        const second = await store.append(
          id,
          2,
          [
            { type: 'C', data: {} },
            { type: 'D', data: {} },
          ],
          meta(),
        );
        await store.append(stream(), 0, [{ type: 'Other', data: {} }], meta());
        const between = await store.readStreamBetween(undefined, id, checkpointOf(first.events[1]), checkpointOf(second.events[0]));
        expect(between.map((e) => e.type)).toEqual(['B', 'C']);
      });

      it('tells its listeners of each committed append and of each refused one', async () => {
        const appended: AppendResult[] = [];
        let conflicts = 0;
        store.onAppended((r) => {
          appended.push(r);
        });
        store.onConflict(() => conflicts++);
        const id = stream();
        const result = await store.append(id, 0, [{ type: 'A', data: {} }], meta());
        await expect(store.append(id, 0, [{ type: 'A', data: {} }], meta())).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await waitFor('the listener to hear of the append', async () => appended.some((r) => r.position === result.position));
        expect(appended.filter((r) => r.events[0].streamId === id)).toHaveLength(1);
        expect(conflicts).toBe(1);
      });
    });

    describe('hash chain', () => {
      it('links each event of a stream to the one before, from the genesis hash, and every hash recomputes', async () => {
        const s = stream();
        await store.append(s, 0, [{ type: 'Created', data: { title: 'x', tags: ['a', 'b'], n: 1.5 } }], meta());
        await store.append(
          s,
          1,
          [
            { type: 'Renamed', data: { z: 1, a: { c: 2, b: 1 } } },
            { type: 'Deleted', data: {} },
          ],
          meta(),
        );
        const events = await store.readStream(s);
        expect(events.map((e) => e.prevHash)).toEqual([GENESIS_HASH, events[0].hash, events[1].hash]);
        for (const e of events) {
          const { id, streamId, version, type, schemaVersion, data, metadata } = e;
          expect(eventHash(e.prevHash, { id, streamId, version, type, schemaVersion, data, metadata, recordedAt: e.recordedAt.toISOString() })).toBe(e.hash);
        }
        expect(new Set(events.map((e) => e.hash)).size).toBe(3);
      });

      it('starts every stream from the genesis hash', async () => {
        const { events } = await store.append(stream(), 0, [{ type: 'Created', data: {} }], meta());
        expect(events[0].prevHash).toBe(GENESIS_HASH);
      });
    });

    describe('time travel', () => {
      it('reads a stream as it stood at an instant', async () => {
        const s = stream();
        const first = await store.append(
          s,
          0,
          [
            { type: 'A', data: {} },
            { type: 'B', data: {} },
          ],
          meta(),
        );
        const t1 = first.events[0].recordedAt;
        await waitFor('the clock to pass the first append', () => Date.now() > t1.getTime() + 1, 1000, 1);
        const t2 = (await store.append(s, 2, [{ type: 'C', data: {} }], meta())).events[0].recordedAt;
        const versionsAt = async (at: Date) => (await store.readStream(s, { recordedUntil: at })).map((e) => e.version);
        expect(await versionsAt(new Date(t1.getTime() - 1))).toEqual([]);
        expect(await versionsAt(t1)).toEqual([1, 2]);
        expect(await versionsAt(new Date(t2.getTime() - 1))).toEqual([1, 2]);
        expect(await versionsAt(t2)).toEqual([1, 2, 3]);
      });
    });

    describe('upcasting', () => {
      it('reads an old event in its current shape, without rewriting the log or breaking its hash', async () => {
        const s = stream();
        const { events } = await store.append(s, 0, [{ type: 'Contract.Thing', data: { title: 'lunch', keep: true } }], meta());
        const upcasting = open(new UpcasterRegistry().register('Contract.Thing', 1, ({ title, ...rest }) => ({ ...rest, name: title })));

        const [read] = await upcasting.readStream(s);
        expect(read).toMatchObject({ id: events[0].id, hash: events[0].hash, schemaVersion: 2, data: { name: 'lunch', keep: true } });
        const viaLog = await waitFor('readAll to return the event', async () => (await upcasting.readAll(LOG_START, 100_000)).find((e) => e.id === events[0].id));
        expect(viaLog).toMatchObject({ schemaVersion: 2, data: { name: 'lunch', keep: true } });
        // The stored event is unchanged for a reader without the upcaster.
        expect((await store.readStream(s))[0]).toMatchObject({ schemaVersion: 1, data: { title: 'lunch', keep: true } });

        // New events are written in the current shape and not upcast again.
        await upcasting.append(s, 1, [{ type: 'Contract.Thing', data: { name: 'dinner' } }], meta());
        expect((await upcasting.readStream(s)).map((e) => [e.schemaVersion, e.data])).toEqual([
          [2, { name: 'lunch', keep: true }],
          [2, { name: 'dinner' }],
        ]);
      });
    });
  });
}
