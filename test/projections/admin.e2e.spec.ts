import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { EventStore } from '../../src/events/event-store.port';
import { ProjectionRebuilder } from '../../src/projections/projection.rebuilder';
import { calendarEventStream } from '../../src/modules/scheduling/domain/events';
import { TestApp, http, startTestApp } from '../support/app';
import { seededRandom } from '../support/run';
import { waitFor } from '../support/wait';
import { caughtUp, checkpoint, foldCalendar, readCalendar } from './fold';

type Checkpoint = { transactionId: string; position: string };

/**
 * The log is read up to the oldest transaction in flight on the whole server: another file's
 * (or another run's) long transaction holds every projection back meanwhile. Waits on the live
 * model allow for that, and say who held it when they give up.
 */
const HORIZON_MS = 120_000;

const CLI = resolve(__dirname, '../../dist/cli/main.js');

interface Status {
  name: string;
  state: string;
  checkpoint: { position: string };
  head: string;
  lag: { events: number; seconds: number };
  generation: number;
  lastError: string | null;
}

describe('operating projections', () => {
  let t: TestApp;
  let admin: string;
  let staff: string;

  beforeAll(async () => {
    // The race test's readers poll anonymously for as long as the rebuild takes: on a loaded
    // machine that outlasts the public read budget, and a 429 would count as a lost event.
    t = await startTestApp('projadmin', { RATE_LIMIT_READS_PER_MINUTE: '0' }, 'all');
    admin = await t.token('root', 'admin');
    staff = await t.token('alice', 'staff');
  });
  afterAll(() => t.close());

  const oldestTransaction = async (): Promise<string> => {
    const rows: { datname: string; state: string; age: string; query: string }[] = await t.db.dataSource.query(
      `SELECT datname, state, (now() - xact_start)::text AS age, left(query, 120) AS query FROM pg_stat_activity
        WHERE backend_xid IS NOT NULL OR backend_xmin IS NOT NULL ORDER BY xact_start LIMIT 1`,
    );
    return rows[0] ? `oldest transaction on the server: ${JSON.stringify(rows[0])}` : 'no transaction in flight';
  };
  const calendarStatus = async () => (await http<{ items: Status[] }>(t.baseUrl, 'GET', '/v1/admin/projections', { token: admin })).body.items.find((p) => p.name === 'calendar')!;

  it('lists each projection with checkpoint, head, lag and state; admin only', async () => {
    const made = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        http(t.baseUrl, 'POST', '/v1/events', { token: staff, body: { title: `Forum ${i}`, location: { city: 'Seoul', country: 'KR' }, start: { date: '2033-01-10' }, end: { date: '2033-01-11' } } }),
      ),
    );
    const last = Math.max(...made.map((r) => Number(r.headers.get('x-log-position'))));
    const status = await waitFor('the calendar to catch up', async () => {
      const s = await calendarStatus();
      return s.lag.events === 0 && Number(s.checkpoint.position) >= last ? s : undefined;
    });
    expect(status).toMatchObject({ state: 'running', head: String(last), lag: { events: 0, seconds: 0 }, lastError: null });
    expect((await http(t.baseUrl, 'GET', '/v1/admin/projections', { token: staff })).status).toBe(403);
    expect((await http(t.baseUrl, 'GET', '/v1/admin/projections')).status).toBe(401);
  });

  it('POST …/rebuild answers 202, a worker rebuilds and swaps while reads keep working', async () => {
    const before = await calendarStatus();
    const r = await http<{ jobId: string }>(t.baseUrl, 'POST', '/v1/admin/projections/calendar/rebuild', { token: admin });
    expect(r.status).toBe(202);
    const reads = await http<{ items: unknown[] }>(t.baseUrl, 'GET', '/v1/events?from=2033-01-01&to=2033-01-31');
    expect(reads.status).toBe(200);
    const after = await waitFor(
      'the rebuild to swap',
      async () => {
        const s = await calendarStatus();
        return s.generation > before.generation && s.state === 'running' ? s : undefined;
      },
      30000,
    );
    expect(after.checkpoint.position).toBe(after.head);
    const list = await http<{ items: unknown[] }>(t.baseUrl, 'GET', '/v1/events?from=2033-01-01&to=2033-01-31');
    expect(list.body.items).toHaveLength(5);
    expect((await http(t.baseUrl, 'POST', '/v1/admin/projections/nope/rebuild', { token: admin })).status).toBe(404);
  });

  it(
    'a rebuild raced against 4 writing clients and the live worker: reads never lose an event they showed, and the swapped model equals the log',
    async () => {
      const random = seededRandom('rebuild raced against writers');
      const store = t.app.get(EventStore);
      const body = (title: string, day: number) => ({
        title,
        description: '',
        programme: 'culture',
        location: { city: 'Seoul', country: 'KR', venue: null },
        timeZone: 'Asia/Seoul',
        start: { date: `2034-01-${String((day % 28) + 1).padStart(2, '0')}` },
        end: { date: `2034-01-${String((day % 28) + 1).padStart(2, '0')}` },
      });
      const when = (day: number) => ({ start: { date: `2034-02-${String((day % 28) + 1).padStart(2, '0')}` }, end: { date: `2034-02-${String((day % 28) + 1).padStart(2, '0')}` } });
      // A log long enough that the rebuild's replay takes a while (straight to the store: fast).
      const seeded: string[] = [];
      for (let b = 0; b < 1500; b += 50) {
        await Promise.all(
          Array.from({ length: 50 }, async (_, k) => {
            const id = randomUUID();
            await store.append(calendarEventStream(id), 0, [{ type: 'EventScheduled', data: body(`Seeded ${b + k}`, b + k) }], { actor: 'seed', correlationId: id, causationId: id });
            seeded.push(id);
          }),
        );
      }
      // Conditions, not timings: another file's transactions on the same server can hold the
      // gap-safe horizon (and so every projection) back for a while.
      // Every projection, not only the calendar: the seed's batches of a slower one (the reminder
      // plan) are long transactions that hold the horizon, so the calendar would not see the
      // writers' events until they commit.
      await waitFor(
        'every projection to catch up with the seed',
        async () => {
          const all = (await http<{ items: Status[] }>(t.baseUrl, 'GET', '/v1/admin/projections', { token: admin })).body.items;
          return all.every((p) => p.lag.events === 0);
        },
        HORIZON_MS,
      );
      const before = await calendarStatus();

      let stop = false;
      let rebuilding = false;
      let writesDuringRebuild = 0;
      let readsDuringRebuild = 0;
      const writes: string[] = [];
      const cancelled = new Set<string>();
      /** id → the highest version a read has shown; once shown, an event must stay visible, never older. */
      const shown = new Map<string, number>();
      const lost: string[] = [];
      // Schedule, reschedule, change, cancel: each client on its own events.
      const writer = async (n: number) => {
        for (let i = 0; !stop; i++) {
          const mine = writes.filter((id, k) => k % 4 === n && !cancelled.has(id));
          const target = mine[Math.floor(random() * mine.length)];
          const kind = target === undefined ? 0 : i % 4;
          const r =
            kind === 1
              ? await http(t.baseUrl, 'POST', `/v1/events/${target}/reschedule`, { token: staff, body: when(i) })
              : kind === 2
                ? await http(t.baseUrl, 'PATCH', `/v1/events/${target}`, { token: staff, body: { title: `Changed ${n}-${i}` } })
                : kind === 3 && i % 8 === 7
                  ? await http(t.baseUrl, 'POST', `/v1/events/${target}/cancel`, { token: staff, body: { reason: `race ${n}-${i}` } })
                  : await http<{ id: string }>(t.baseUrl, 'POST', '/v1/events', { token: staff, body: body(`Written ${n}-${i}`, i) });
          if (r.status >= 300) throw new Error(`writer ${n}: ${r.status} ${r.text}`);
          if (r.status === 201) writes.push((r.body as { id: string }).id);
          else if (kind === 3 && i % 8 === 7) cancelled.add(target!);
          if (rebuilding) writesDuringRebuild++;
        }
      };
      // Judged against what had been shown when this read was sent: a read that overlaps another
      // may answer from an earlier snapshot (its response can arrive after the other's).
      const read = async (id: string) => {
        const last = shown.get(id);
        const r = await http<{ version: number }>(t.baseUrl, 'GET', `/v1/events/${id}`);
        if (rebuilding) readsDuringRebuild++;
        if (r.status === 200) {
          if (last !== undefined && r.body.version < last) lost.push(`${id}: version ${r.body.version} after ${last}`);
          shown.set(id, Math.max(shown.get(id) ?? 0, r.body.version));
        } else if (last !== undefined) lost.push(`${id}: ${r.status} after version ${last}`);
      };
      const reader = async () => {
        while (!stop) {
          const pick = (ids: string[]) => ids[Math.floor(random() * ids.length)];
          await Promise.all([pick(seeded), pick(seeded), ...writes.slice(-4), pick(writes) ?? pick(seeded)].map(read));
        }
      };
      /** How many events the log holds after a checkpoint (and up to another). */
      const appended = async (after: Checkpoint, upTo?: Checkpoint): Promise<number> =>
        (
          await t.db.dataSource.query(
            `SELECT count(*)::int AS n FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint) ${upTo ? 'AND (transaction_id, position) <= ($3::xid8, $4::bigint)' : ''}`,
            upTo ? [after.transactionId, after.position, upTo.transactionId, upTo.position] : [after.transactionId, after.position],
          )
        )[0].n;
      /** Of what the readers have shown, how much comes from events after `c` (the event at the version shown). */
      const shownAfter = async (c: Checkpoint): Promise<number> => {
        const ids = [...shown.keys()];
        return (
          await t.db.dataSource.query(
            `SELECT count(*)::int AS n FROM events e JOIN unnest($3::text[], $4::int[]) AS s(stream, version) ON e.stream_id = s.stream AND e.version = s.version
          WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint)`,
            [c.transactionId, c.position, ids.map(calendarEventStream), ids.map((id) => shown.get(id)!)],
          )
        )[0].n;
      };
      const later = (a: Checkpoint, b: Checkpoint) => BigInt(a.transactionId) > BigInt(b.transactionId) || (a.transactionId === b.transactionId && BigInt(a.position) > BigInt(b.position));

      const failures: unknown[] = [];
      const clients = [...[0, 1, 2, 3].map(writer), reader(), reader()].map((c) => c.catch((err: unknown) => void failures.push(err)));
      /** A client that failed stops the test at once, with its error, rather than a wait that times out. */
      const running = () => {
        if (failures.length) throw failures[0];
        return true;
      };
      try {
        await waitFor('the writers under way', () => running() && writes.length >= 20, HORIZON_MS, 10);

        // Run here in small batches (the endpoint's job would hold the worker's projection queue, and
        // so the live model, for its duration). Once the replay has read all it could, the rebuild is
        // held before its swap until the live worker has applied writes the replay never read and the
        // readers have shown them: the swap must then align the rebuilt tables with a live model that
        // moved on, under the live owner's lock.
        const head = (await checkpoint(t.db.dataSource))!;
        let replayed: Checkpoint | undefined;
        let liveAtHold: Checkpoint | undefined;
        let doneAtHold = 0;
        let doneAtSwap = 0;
        rebuilding = true;
        const report = await t.app.get(ProjectionRebuilder).rebuild('calendar', {
          batchSize: 50,
          onProgress: async (done) => {
            if (replayed) {
              doneAtSwap = done;
              return;
            }
            // The replay stops on its first short batch: it has read everything it could.
            const short = done - doneAtHold < 50;
            doneAtHold = done;
            if (!short) return;
            const rb = (await checkpoint(t.db.dataSource, 'calendar__rebuild'))!;
            replayed = rb;
            liveAtHold = await waitFor(
              'the live model to show writes the replay has not read',
              async () => {
                const live = (await checkpoint(t.db.dataSource))!;
                return running() && later(live, rb) && (await shownAfter(rb)) >= 4 ? live : undefined;
              },
              HORIZON_MS,
              10,
            ).catch(async (err: Error) => {
              throw new Error(`${err.message} (live at ${JSON.stringify(await checkpoint(t.db.dataSource))}, replay at ${JSON.stringify(rb)}; ${await oldestTransaction()})`);
            });
          },
        });
        rebuilding = false;
        // Right after the swap, the model still holds every version the readers had shown.
        const now = new Map((await readCalendar(t.db.dataSource)).map((r) => [r.id, r.version]));
        const missing = [...shown].filter(([id, v]) => (now.get(id) ?? 0) < v);
        expect(missing).toEqual([]);

        expect(report.events).toBeGreaterThanOrEqual(1500);
        expect((await calendarStatus()).generation).toBe(before.generation + 1);
        // The race did happen: events were appended between the rebuild's start and its swap, some
        // after the replay had read everything it could, and the swap drained them under the lock.
        expect(replayed).toBeDefined();
        expect(await appended(head, report.checkpoint)).toBeGreaterThan(0);
        expect(await appended(replayed!, report.checkpoint)).toBeGreaterThan(0);
        expect(doneAtSwap - doneAtHold).toBeGreaterThan(0);
        // The swap's checkpoint is not behind anything the live model had applied before it.
        expect(later(liveAtHold!, report.checkpoint)).toBe(false);

        const after = writes.length;
        await waitFor('more writes after the swap', () => running() && writes.length >= after + 20, HORIZON_MS, 10);
        stop = true;
        await Promise.all(clients);
        expect(failures).toEqual([]);

        expect(writesDuringRebuild).toBeGreaterThan(0);
        expect(readsDuringRebuild).toBeGreaterThan(0);
        expect(cancelled.size).toBeGreaterThan(0);
        expect(lost).toEqual([]);
        await waitFor('the calendar to catch up with the writers', async () => caughtUp(t.db.dataSource), HORIZON_MS);
        expect(await readCalendar(t.db.dataSource)).toEqual(await foldCalendar(t.db.dataSource));
      } finally {
        // A failed expectation leaves no client writing to an app that is closing.
        stop = true;
        await Promise.allSettled(clients);
      }
    },
    4 * HORIZON_MS,
  );

  it('`cli projections rebuild calendar --verify` rebuilds from a terminal and reports no differences', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'projections', 'rebuild', 'calendar', '--verify'], {
      env: { ...process.env, DATABASE_URL: t.config.DATABASE_URL, REDIS_URL: t.config.REDIS_URL, QUEUE_PREFIX: t.config.QUEUE_PREFIX, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
    });
    const report = JSON.parse(stdout) as { projection: string; verified: boolean; differences: unknown[]; events: number };
    expect(report).toMatchObject({ projection: 'calendar', verified: true, differences: [] });
    expect(report.events).toBeGreaterThanOrEqual(5);
  });
});
