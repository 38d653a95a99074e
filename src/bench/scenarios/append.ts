import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { LogBaselines } from '../../events/log-baselines';
import type { Scenario, ScenarioOutcome } from '../scenario';
import { AppMode, startApp } from '../support/app';
import { cpuMeter } from '../support/cpu';
import { BenchDatabase, createBenchDatabase, projectionsCaughtUp } from '../support/database';
import { waitUntil } from '../support/env';
import { load } from '../support/load';
import { APPEND_BODY } from '../support/payloads';
import type { Progress } from '../support/progress';
import { round, summarize } from '../support/stats';

const CLIENTS = 16;
const SECONDS = 20;
const WARM_UP_SECONDS = 2;

interface ModeRun {
  rate: number;
  p50: number;
  p99: number;
  cpuMsPerCommand: Record<string, number>;
}

/** The last run of this benchmark in this bench process, for the peer comparison (`emmett`): split, and `npm start`'s one process. */
export let lastAppendRun: (ModeRun & { rawRate: number; all: ModeRun }) | null = null;

const COLUMNS = 'id, stream_id, version, type, schema_version, data, metadata, recorded_at, prev_hash, hash';

/**
 * 1. append: POST /v1/events (schedule) from 16 clients for 20 s against `node dist/main.js api`
 * (a `worker` process projecting beside it), then the same against `npm start`'s one process
 * (`node dist/main.js all`), then the machine's raw limit for the same row: single-row INSERTs
 * of it from 16 pg clients for 20 s into a scratch copy of `events`.
 */
export const append: Scenario = {
  name: 'append',
  title: `POST /v1/events from ${CLIENTS} clients for ${SECONDS} s, beside raw single-row inserts`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('append');
    try {
      const split = await appendUnderLoad(db, 'split', progress);
      // `npm start`'s one process, in a database of its own: both start from an empty log.
      const allDb = await createBenchDatabase('append-all');
      const all = await appendUnderLoad(allDb, 'all', progress).finally(() => allDb.drop());
      const { api, catchUpMs, cpuMsPerCommand } = split;
      const stored = await LogBaselines.eventsOfType(db.pool, 'EventScheduled');

      // The raw limit: the row the app wrote last, inserted as it is (fresh id) with nothing else around it.
      await LogBaselines.createLike(db.pool, 'scratch', { identity: true });
      const sample = await LogBaselines.newestRow(db.pool, COLUMNS);
      if (!sample) throw new Error('the app stored no event: nothing to compare with');
      const raw = await rawInserts(db.url, sample, progress);

      const ratio = round((api.rate / raw.rate) * 100, 1);
      const allRun = { rate: all.api.rate, p50: all.api.latencyMs.p50, p99: all.api.latencyMs.p99, cpuMsPerCommand: all.cpuMsPerCommand };
      lastAppendRun = { rate: api.rate, p50: api.latencyMs.p50, p99: api.latencyMs.p99, rawRate: raw.rate, cpuMsPerCommand, all: allRun };
      return {
        figures: [
          { metric: 'commands/s (201)', value: api.rate, unit: '/s' },
          { metric: 'latency p50', value: api.latencyMs.p50, unit: 'ms' },
          { metric: 'latency p99', value: api.latencyMs.p99, unit: 'ms' },
          { metric: 'raw single-row inserts/s', value: raw.rate, unit: '/s', kind: 'limit' },
          { metric: 'share of the raw rate', value: ratio, unit: '%', target: { op: '>=', value: 35 } },
          { metric: 'commands/s (201), npm start', value: all.api.rate, unit: '/s' },
          { metric: 'latency p99, npm start', value: all.api.latencyMs.p99, unit: 'ms' },
        ],
        details: {
          api,
          raw,
          storedEvents: stored,
          projectionCatchUpAfterLoadMs: round(catchUpMs),
          cpuMsPerCommand,
          npmStart: { api: all.api, projectionCatchUpAfterLoadMs: round(all.catchUpMs), cpuMsPerCommand: all.cpuMsPerCommand },
        },
        notes: [
          `${CLIENTS} autocannon connections, each sending its next POST as soon as the previous one is answered; ${WARM_UP_SECONDS} s of warm-up are not counted.`,
          'api and worker run as separate processes (node dist/main.js api|worker, NODE_ENV=production), on the same machine as PostgreSQL and Redis; the worker projects while the api takes writes.',
          "Then the same load against npm start's one process (node dist/main.js all: the API on the main thread, the worker on a thread of its own), in a database of its own: the `npm start` figures (details.npmStart).",
          'Raw limit: the same row (fresh id) inserted with single-statement autocommit INSERTs from 16 pg clients into CREATE TABLE scratch (LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY): no index, no trigger, no HTTP.',
        ],
      };
    } finally {
      await db.drop();
    }
  },
};

/** The load against the app in `mode`, then until the calendar view has caught up (its CPU counted). */
async function appendUnderLoad(db: BenchDatabase, mode: AppMode, progress: Progress) {
  progress.log(mode === 'all' ? 'starting node dist/main.js all (npm start)' : 'starting api and worker');
  const app = await startApp(mode === 'all' ? 'append-all' : 'append', db.url, {}, mode);
  try {
    const token = await app.token('bench', 'staff');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const body = JSON.stringify(APPEND_BODY);
    const opts = { url: `${app.baseUrl}/v1/events`, method: 'POST' as const, connections: CLIENTS, headers, body };
    const how = mode === 'all' ? ', npm start' : '';
    const warm = await load({ ...opts, seconds: WARM_UP_SECONDS }, progress, `warm-up${how} (not counted)`);
    const cpu = await cpuMeter(mode === 'all' ? { all: app.api.child.pid } : { api: app.api.child.pid, worker: app.worker.child.pid }, db.pool);
    const api = { ...(await load({ ...opts, seconds: SECONDS }, progress, `POST /v1/events × ${CLIENTS} clients${how}`)), warmUpRequests: warm.ok };
    progress.log('waiting for the projections to catch up');
    const catchUpMs = await waitUntil('projections catch up', () => projectionsCaughtUp(db.pool, ['calendar']), 120_000, 20);
    // Includes the worker's projecting of these commands (it has caught up by now).
    const cpuMsPerCommand = await cpu.perOperation(api.ok);
    return { api, catchUpMs, cpuMsPerCommand };
  } finally {
    await app.stop();
  }
}

export async function rawInserts(
  url: string,
  sample: Record<string, unknown>,
  progress: Progress,
): Promise<{ rate: number; inserts: number; seconds: number; latencyMs: ReturnType<typeof summarize> }> {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new Client({ connectionString: url, application_name: 'bench-append-raw' });
      await c.connect();
      return c;
    }),
  );
  const values = (id: string) => [
    id,
    sample.stream_id,
    sample.version,
    sample.type,
    sample.schema_version,
    JSON.stringify(sample.data),
    JSON.stringify(sample.metadata),
    sample.recorded_at,
    sample.prev_hash,
    sample.hash,
  ];
  const sql = `INSERT INTO scratch (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10)`;
  const samples: number[] = [];
  let inserts = 0;
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  try {
    await progress.timed(
      `raw INSERT × ${CLIENTS} clients`,
      SECONDS,
      Promise.all(
        clients.map(async (c) => {
          while (performance.now() < deadline) {
            const s = performance.now();
            await c.query(sql, values(randomUUID()));
            samples.push(performance.now() - s);
            inserts++;
          }
        }),
      ),
      () => `${inserts} rows`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { rate: round(inserts / seconds, 1), inserts, seconds: round(seconds), latencyMs: summarize(samples) };
}
