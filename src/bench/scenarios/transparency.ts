import type { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from '../../bootstrap';
import { loadConfig } from '../../config/config';
import { EventStore } from '../../events/event-store.port';
import { SEALER_PROJECTION } from '../../modules/audit/transparency/sealer.projection';
import { TransparencyService } from '../../modules/audit/transparency/transparency.service';
import { ProjectionRegistry } from '../../projections/projection.registry';
import { ProjectionRunner } from '../../projections/projection.runner';
import type { Scenario, ScenarioOutcome } from '../scenario';
import { appEnv, clearQueuePrefix } from '../support/app';
import { createBenchDatabase } from '../support/database';
import { scaled, sleep, uniqueSuffix } from '../support/env';
import { inParallel } from '../support/http';
import type { Progress } from '../support/progress';
import { round, summarize } from '../support/stats';

const SIZE = scaled(1_000_000, 1000);
const EVENTS_PER_APPEND = 50;
const APPENDERS = 8;
const SEAL_BATCH = 1000;
const PROOFS = 2000;

/**
 * 7. transparency: the log grows to 1M events through the event store's append path (timed:
 * append throughput), then the sealer catches up from zero (timed: sealing throughput), then
 * random inclusion and consistency proofs against the 1M-leaf tree (latency percentiles).
 */
export const transparency: Scenario = {
  name: 'transparency',
  title: `seal ${SIZE / 1000}k events into the transparency tree; proof latency at that size`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('transparency');
    const prefix = `bench-transparency-${uniqueSuffix()}`;
    let ctx: INestApplicationContext | null = null;
    try {
      ctx = await createWorkerContext(loadConfig(appEnv(db.url, prefix)), 'cli');
      const store = ctx.get(EventStore);
      const appends = SIZE / EVENTS_PER_APPEND;
      progress.start(`append ${SIZE / 1000}k events`, SIZE, 'events');
      const a0 = performance.now();
      await inParallel(
        appends,
        APPENDERS,
        async (i) =>
          void (await store.append(
            `ledger-${i}`,
            0,
            Array.from({ length: EVENTS_PER_APPEND }, (_, k) => ({ type: 'Entry', data: { i, k, note: 'an entry of the bench ledger' } })),
            { actor: 'bench', correlationId: `b-${i}`, causationId: `b-${i}` },
          )),
        (done) => progress.update(done * EVENTS_PER_APPEND),
      );
      const appendSeconds = (performance.now() - a0) / 1000;
      progress.stop();
      await db.pool.query('VACUUM ANALYZE events');

      const sealer = ctx.get(ProjectionRegistry).get(SEALER_PROJECTION)!;
      progress.start('seal', SIZE, 'events');
      const s0 = performance.now();
      let sealed = 0;
      // A transaction open anywhere in the cluster holds gap-safe readers back a moment: read until all is sealed.
      while (sealed < SIZE) {
        const r = await ctx.get(ProjectionRunner).catchUp(sealer, 'live', SEAL_BATCH, (b) => progress.update((sealed += b.read)));
        if (r.stopped) throw new Error('the sealer stopped on a failing event');
        if (r.read === 0) await sleep(20);
      }
      const sealSeconds = (performance.now() - s0) / 1000;
      progress.stop();
      await db.pool.query('VACUUM ANALYZE transparency_leaves, transparency_nodes');

      const svc = ctx.get(TransparencyService);
      const positions = (await db.pool.query<{ p: string }>(`SELECT position::text AS p FROM transparency_leaves ORDER BY random() LIMIT ${PROOFS}`)).rows.map((r) => r.p);
      const inclusion: number[] = [];
      const consistency: number[] = [];
      progress.start('proofs', PROOFS * 2, 'proofs');
      for (let i = 0; i < PROOFS; i++) {
        const t0 = performance.now();
        await svc.inclusion(positions[i], SIZE);
        inclusion.push(performance.now() - t0);
        const from = 1 + Math.floor(Math.random() * (SIZE - 1));
        const t1 = performance.now();
        await svc.consistency(from, SIZE);
        consistency.push(performance.now() - t1);
        progress.update(2 * (i + 1));
      }
      progress.stop();
      const inc = summarize(inclusion);
      const con = summarize(consistency);
      const sizes = (
        await db.pool.query<{ t: string; mb: string }>(
          `SELECT relname AS t, round(pg_total_relation_size(oid) / 1048576.0)::text AS mb FROM pg_class WHERE relname IN ('events', 'transparency_leaves', 'transparency_nodes')`,
        )
      ).rows;
      return {
        figures: [
          { metric: `append, ${SIZE / 1000}k events (${EVENTS_PER_APPEND}-event appends, ${APPENDERS} at once)`, value: round(SIZE / appendSeconds, 0), unit: 'events/s' },
          { metric: `sealing, ${SIZE / 1000}k events from zero`, value: round(SIZE / sealSeconds, 0), unit: 'events/s', target: { op: '>=', value: round(SIZE / appendSeconds, 0) } },
          { metric: `inclusion proof p99 at ${SIZE / 1000}k leaves`, value: round(inc.p99, 2), unit: 'ms', target: { op: '<', value: 20 } },
          { metric: `consistency proof p99 at ${SIZE / 1000}k leaves`, value: round(con.p99, 2), unit: 'ms', target: { op: '<', value: 20 } },
        ],
        details: {
          size: SIZE,
          appendSeconds: round(appendSeconds, 1),
          sealSeconds: round(sealSeconds, 1),
          inclusion: inc,
          consistency: con,
          tableSizesMb: Object.fromEntries(sizes.map((r) => [r.t, Number(r.mb)])),
        },
        notes: [
          `Appends go through PostgresEventStore.append (hash chain, optimistic concurrency), ${EVENTS_PER_APPEND} events per new stream, ${APPENDERS} appenders at once, in one process.`,
          `Sealing is the transparency projection run by ProjectionRunner.catchUp in batches of ${SEAL_BATCH} (gap-safe read, leaves and complete-subtree hashes written, checkpoint moved: one transaction per batch), from an empty tree.`,
          `Proofs are TransparencyService calls in process (what the HTTP routes run, without HTTP): ${PROOFS} inclusion proofs for random leaves and ${PROOFS} consistency proofs from a random size to the full tree, one at a time; an inclusion proof is two queries (the leaf, then its O(log n) stored nodes), a consistency proof one.`,
        ],
      };
    } finally {
      await ctx?.close();
      await clearQueuePrefix(prefix);
      await db.drop();
    }
  },
};
