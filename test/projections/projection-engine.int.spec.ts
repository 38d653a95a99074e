import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EventStore } from '../../src/events/event-store.port';
import { ProjectionWaker } from '../../src/projections/projection.waker';
import { seededRandom, testPrefix } from '../support/run';
import { TestDatabase, createTestDatabase } from '../support/database';
import { waitFor } from '../support/wait';
import { startTestWorker, testConfig } from '../support/worker';
import { caughtUp, checkpoint, foldCalendar, readCalendar, rescheduled, scheduled } from './fold';

/** Commit delays drawn from the run's seed (printed on failure), so a failing interleaving can be replayed. */
const random = seededRandom('projection-engine gap safety');

const meta = { actor: 'test', correlationId: 'c', causationId: 'c' };

describe('projection engine: concurrent writers, two workers', () => {
  let db: TestDatabase;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('engine');
    const config = testConfig(db.url, testPrefix('engine'));
    workers.push(await startTestWorker(config), await startTestWorker(config));
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await db.drop();
  });

  it('given 8 writers whose slow transactions commit out of position order, the read model equals a fold of the whole log', async () => {
    const waker = workers[0].get(ProjectionWaker);
    const writer = async (w: number) => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        for (let s = 0; s < 3; s++) {
          const stream = `calendar-event-${randomUUID()}`;
          for (let v = 1; v <= 8; v++) {
            const e = v === 1 ? scheduled(`writer ${w} stream ${s}`, w * 3 + s) : rescheduled(w + v);
            await c.query('BEGIN');
            await c.query('SELECT pg_current_xact_id()'); // take the transaction id early…
            await c.query(
              `INSERT INTO events (id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
               VALUES ($1, $2, $3, $4, 1, $5, $6, now(), 'p', 'h')`,
              [randomUUID(), stream, v, e.type, JSON.stringify(e.data), JSON.stringify(meta)],
            );
            await c.query('SELECT pg_sleep($1)', [random() * 0.03]); // …and commit late
            await c.query('COMMIT');
            void waker.wakeAll().catch(() => undefined);
          }
        }
      } finally {
        await c.end();
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));

    await waitFor('the calendar projection to catch up', () => caughtUp(db.dataSource), 30000);
    const truth = await foldCalendar(db.dataSource);
    expect(truth).toHaveLength(24);
    expect(await readCalendar(db.dataSource)).toEqual(truth);
  });

  it('given events appended through the store, both workers together apply each exactly once', async () => {
    const store = workers[1].get(EventStore);
    const ids: string[] = Array.from({ length: 40 }, () => randomUUID());
    await Promise.all(ids.map((id, i) => store.append(`calendar-event-${id}`, 0, [scheduled(`appended ${i}`, i), rescheduled(i)], meta)));
    await waitFor('the calendar projection to catch up', () => caughtUp(db.dataSource), 30000);
    const model = await readCalendar(db.dataSource);
    expect(model).toEqual(await foldCalendar(db.dataSource));
    expect(model.filter((r) => ids.includes(r.id)).every((r) => r.version === 2)).toBe(true);
    expect((await checkpoint(db.dataSource))!.state).toBe('running');
  });
});
