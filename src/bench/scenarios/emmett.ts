import type { Scenario, ScenarioOutcome } from '../scenario';
import { freePort, spawnNode } from '../support/app';
import { cpuMeter } from '../support/cpu';
import { createBenchDatabase } from '../support/database';
import { waitUntil } from '../support/env';
import { load } from '../support/load';
import { APPEND_BODY } from '../support/payloads';
import type { Progress } from '../support/progress';
import { round } from '../support/stats';
import { append, lastAppendRun } from './append';

const CLIENTS = 16;
const SECONDS = 20;
const WARM_UP_SECONDS = 2;

/**
 * emmett: the peer. The same all-day schedule body from the same 16 autocannon clients against
 * the simplest Emmett service (its PostgreSQL event store behind Express 5, a decider run by
 * DeciderCommandHandler; src/bench/peer/emmett-server.ts) in its own database, beside almanac's
 * append figures and the raw insert limit of this run (the `append` benchmark's, run first when
 * it was not selected), reported as ratios almanac / Emmett.
 */
export const emmett: Scenario = {
  name: 'emmett',
  title: `the peer: Emmett's PostgreSQL event store behind Express 5, ${CLIENTS} clients for ${SECONDS} s, beside append`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    if (!lastAppendRun) {
      progress.log('running append first (almanac and the raw limit, for the ratios)');
      await append.run(progress);
    }
    const almanac = lastAppendRun;
    if (!almanac) throw new Error('append produced no figures');

    const db = await createBenchDatabase('emmett', 2, { schema: false });
    try {
      const port = await freePort();
      progress.log('starting the Emmett peer');
      const peer = spawnNode('emmett', 'bench/peer/emmett-server.js', [], { NODE_ENV: 'production', DATABASE_URL: db.url, PORT: String(port) });
      let api;
      let cpuMsPerCommand: Record<string, number>;
      try {
        await Promise.race([
          waitUntil('Emmett peer ready', async () => peer.stdout().includes('ready'), 60_000, 50),
          peer.exited.then((code) => Promise.reject(new Error(`Emmett peer exited (${code}):\n${peer.stderr()}`))),
        ]);
        const opts = {
          url: `http://127.0.0.1:${port}/events`,
          method: 'POST' as const,
          connections: CLIENTS,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(APPEND_BODY),
        };
        const warm = await load({ ...opts, seconds: WARM_UP_SECONDS }, progress, 'warm-up (not counted)');
        const cpu = await cpuMeter({ peer: peer.child.pid }, db.pool);
        api = await load({ ...opts, seconds: SECONDS }, progress, `Emmett POST /events × ${CLIENTS} clients`);
        api = { ...api, warmUpRequests: warm.ok };
        cpuMsPerCommand = await cpu.perOperation(api.ok);
      } finally {
        await peer.stop();
      }
      const stored = Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM emt_messages WHERE message_type = 'EventScheduled'`)).rows[0].n);
      return {
        figures: [
          { metric: 'Emmett commands/s (201)', value: api.rate, unit: '/s' },
          { metric: 'Emmett latency p50', value: api.latencyMs.p50, unit: 'ms' },
          { metric: 'Emmett latency p99', value: api.latencyMs.p99, unit: 'ms' },
          { metric: 'almanac commands/s (append, this run)', value: almanac.rate, unit: '/s' },
          { metric: 'almanac / Emmett throughput', value: round(almanac.rate / api.rate, 2), unit: '×', target: { op: '>=', value: 2 } },
          { metric: 'almanac p99 (append, this run)', value: almanac.p99, unit: 'ms', target: { op: '<', value: 50 } },
          { metric: 'almanac commands/s, npm start (this run)', value: almanac.all.rate, unit: '/s' },
          { metric: 'almanac npm start / Emmett throughput', value: round(almanac.all.rate / api.rate, 2), unit: '×', target: { op: '>=', value: 2 } },
          { metric: 'almanac p99, npm start (this run)', value: almanac.all.p99, unit: 'ms', target: { op: '<', value: 50 } },
          { metric: 'Emmett share of the raw rate', value: round((api.rate / almanac.rawRate) * 100, 1), unit: '%' },
        ],
        details: { emmett: api, storedEvents: stored, cpuMsPerCommand, almanac },
        notes: [
          `${CLIENTS} autocannon connections, the append benchmark's body; ${WARM_UP_SECONDS} s of warm-up are not counted.`,
          'The peer: @event-driven-io/emmett-postgresql behind Express 5 (NODE_ENV=production), a decider run by DeciderCommandHandler (aggregateStream, appendToStream with the expected version); no auth, no idempotency, no hash chain, no projections. Its own database, dropped after.',
          "almanac figures are those of the append benchmark in the same bench run: api and worker processes, then npm start's one process, projections running in both.",
        ],
      };
    } finally {
      await db.drop();
    }
  },
};
