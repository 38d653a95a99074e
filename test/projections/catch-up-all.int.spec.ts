import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { createWorkerContext } from '../../src/bootstrap';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { ProjectionRunner } from '../../src/projections/projection.runner';
import { testPrefix } from '../support/run';
import { TestDatabase, createTestDatabase } from '../support/database';
import { testConfig } from '../support/worker';
import { waitFor } from '../support/wait';
import { caughtUp, checkpoint } from './fold';
import { createSeenTable, recorder, seenBy } from './recorder';

const meta = { actor: 'test', correlationId: 'c', causationId: 'c' };

/** catchUpAll: the wake-up's round, every projection in one transaction. */
describe('projection runner: every projection of a wake-up together', () => {
  let db: TestDatabase;
  let ctx: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase('together');
    // The `cli` role: no BullMQ workers, so this test drives every round itself.
    ctx = await createWorkerContext(testConfig(db.url, testPrefix('together')), 'cli');
    await createSeenTable(db.dataSource);
  });
  afterAll(async () => {
    await ctx.close();
    await db.drop();
  });

  const seen = async (name: string): Promise<string[]> => (await seenBy(db.dataSource, name)).map((r) => r.position);
  /**
   * Appends, then waits until the event is readable: a transaction elsewhere in the cluster (a
   * test running beside this one) may hold the horizon back a moment, and a round reads only
   * what is readable (the job, not the runner, waits for the rest).
   */
  const append = async (stream: string, version: number, type: string) => {
    const store = ctx.get(PostgresEventStore);
    const r = await store.append(stream, version, [{ type, data: {} }], meta);
    await waitFor('the event to be readable', async () => BigInt((await store.latestCheckpoint()).transactionId) >= BigInt(r.events[0].transactionId));
    return r;
  };
  const good = (stream: string, version: number) => append(stream, version, 'Good');

  it('given projections at different checkpoints, one round applies to each exactly the events after its own, and moves every checkpoint in one transaction', async () => {
    const runner = ctx.get(ProjectionRunner);
    const [a, b] = [recorder('a'), recorder('b')];
    const e1 = await good('s-1', 0);
    const e2 = await good('s-1', 1);
    await runner.catchUp(a, 'live');
    expect(await seen('a')).toEqual([e1.position, e2.position]);
    const e3 = await good('s-2', 0);

    const r = await runner.catchUpAll([a, b]);
    expect(r.get('a')).toEqual({ applied: 1, read: 1, stopped: false });
    expect(r.get('b')).toEqual({ applied: 3, read: 3, stopped: false });
    expect(await seen('a')).toEqual([e1.position, e2.position, e3.position]);
    expect(await seen('b')).toEqual([e1.position, e2.position, e3.position]);
    expect(await caughtUp(db.dataSource, 'a')).toBe(true);
    expect(await caughtUp(db.dataSource, 'b')).toBe(true);
    // xmin: the transaction that last wrote the row.
    const writers: { xmin: string }[] = await db.dataSource.query(`SELECT DISTINCT xmin::text AS xmin FROM projection_checkpoints WHERE name IN ('a', 'b')`);
    expect(writers).toHaveLength(1);
  });

  it('given another owner holds one projection, the others are not held back; that one catches up once the owner lets go', async () => {
    const runner = ctx.get(ProjectionRunner);
    const [a, b, c] = [recorder('a'), recorder('b'), recorder('c')];
    const owner = new Client({ connectionString: db.url });
    await owner.connect();
    try {
      await owner.query('BEGIN');
      await owner.query(`SELECT pg_advisory_xact_lock(hashtext('almanac:projection:c'))`);
      const e = await good('s-3', 0);
      const round = runner.catchUpAll([a, b, c]);
      await waitFor('a and b to apply the event while c is held', async () => (await seen('a')).includes(e.position) && (await seen('b')).includes(e.position));
      expect(await seen('c')).not.toContain(e.position);
      await owner.query('COMMIT');
      expect((await round).get('c')!.stopped).toBe(false);
      expect(await seen('c')).toContain(e.position);
      expect(await checkpoint(db.dataSource, 'c')).toEqual(await checkpoint(db.dataSource, 'a'));
    } finally {
      await owner.end();
    }
  });

  it('given an event one projection cannot apply, its stream parks in that projection only; the others apply it, and every checkpoint moves past', async () => {
    const runner = ctx.get(ProjectionRunner);
    const [strict, tolerant] = [recorder('strict', () => true), recorder('tolerant')];
    const poison = await append('s-4', 0, 'Poison');
    const other = await good('s-5', 0);

    const r = await runner.catchUpAll([strict, tolerant]);
    expect(r.get('strict')!.stopped).toBe(false);
    const parked: { stream_id: string; position: string }[] = await db.dataSource.query(`SELECT stream_id, position::text AS position FROM projection_parked WHERE projection = 'strict'`);
    expect(parked).toEqual([{ stream_id: 's-4', position: poison.position }]);
    expect(await seen('strict')).toContain(other.position);
    expect(await seen('strict')).not.toContain(poison.position);
    expect(await seen('tolerant')).toEqual(expect.arrayContaining([poison.position, other.position]));
    expect(await caughtUp(db.dataSource, 'strict')).toBe(true);
    expect(await caughtUp(db.dataSource, 'tolerant')).toBe(true);
  });
});
