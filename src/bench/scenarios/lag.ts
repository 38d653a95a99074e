import type { Scenario, ScenarioOutcome } from '../scenario';
import { AppMode, BENCH_METRICS_TOKEN, BenchApp, scrapeMetrics, startApp } from '../support/app';
import { cpuMeter } from '../support/cpu';
import { BenchDatabase, createBenchDatabase, projectionsCaughtUp } from '../support/database';
import { sleep, waitUntil } from '../support/env';
import { HttpClient } from '../support/http';
import { scheduleBody } from '../support/payloads';
import type { Progress } from '../support/progress';
import { LatencySummary, round, summarize } from '../support/stats';

const RATE = 200;
/** `npm start`'s single process is judged at half the split deployment's rate. */
const ALL_IN_ONE_RATE = 100;
const SECONDS = 20;
/** A second, lighter run shows the pipeline's own lag when the machine is not saturated. */
const LIGHT_RATE = 50;
const LIGHT_SECONDS = 15;
const WARM_UP_SECONDS = 2;
const POLL_EVERY_MS = 2;
/** A write not visible after this long counts as this long (and is reported). */
const GIVE_UP_MS = 10_000;

interface PacedRun {
  rate: number;
  achievedRate: number;
  trackedOneWriteIn: number;
  lagMs: LatencySummary;
  writeLatencyMs: LatencySummary;
  pollsPerTrackedWrite: number;
  gaveUp: number;
  failures: Record<string, number>;
  cpuMsPerWriteIncludingPolls: Record<string, number>;
  /** The API process's event-loop delay over the run (prom-client's monitorEventLoopDelay, reset by each scrape). */
  apiEventLoopDelayMs: { p50: number | null; p99: number | null; max: number | null };
}

/**
 * 2. lag: writes at a steady rate (open loop: a write is sent on schedule whether or not earlier
 * ones were answered); after a 201 the bench polls GET /v1/events/:id, WITHOUT
 * X-Min-Log-Position, every 2 ms until it answers 200. Lag = that 200's arrival − the 201's.
 * `lag` runs api and worker as two processes at 200 writes/s; `lag-all` runs `npm start`'s one
 * process (`node dist/main.js all`) at 100 writes/s.
 */
function lagScenario(name: string, mode: AppMode, rate: number): Scenario {
  const how = mode === 'all' ? 'api and worker in one process (npm start)' : 'api and worker as two processes';
  return {
    name,
    title: `write-to-read lag at a steady ${rate} commands/s, ${how}`,
    async run(progress: Progress): Promise<ScenarioOutcome> {
      const db = await createBenchDatabase(name);
      try {
        progress.log(mode === 'all' ? 'starting node dist/main.js all' : 'starting api and worker');
        const app = await startApp(name, db.url, { METRICS_TOKEN: BENCH_METRICS_TOKEN }, mode);
        try {
          const main = await paced(app, db, progress, rate, SECONDS, 4, 0);
          // The light run starts from a calm system: no projection backlog left by the first.
          await waitUntil('calendar catches up', () => projectionsCaughtUp(db.pool, ['calendar']), 120_000);
          const light = await paced(app, db, progress, LIGHT_RATE, LIGHT_SECONDS, 2, 1_000_000);
          return {
            figures: [
              { metric: `write rate achieved (of ${rate}/s)`, value: main.achievedRate, unit: '/s' },
              { metric: 'lag p50', value: main.lagMs.p50, unit: 'ms' },
              { metric: 'lag p99', value: main.lagMs.p99, unit: 'ms', target: { op: '<', value: 50 } },
              { metric: 'api event-loop delay p99', value: main.apiEventLoopDelayMs.p99, unit: 'ms' },
              { metric: `lag p99 at ${LIGHT_RATE}/s (context)`, value: light.lagMs.p99, unit: 'ms' },
            ],
            details: { mode, main, light, pollEveryMs: POLL_EVERY_MS, gaveUpAfterMs: GIVE_UP_MS },
            notes: [
              `${mode === 'all' ? 'One process, node dist/main.js all (what npm start runs).' : 'Two processes, node dist/main.js api and node dist/main.js worker.'} Open loop at ${rate} writes/s for ${SECONDS} s (plus ${WARM_UP_SECONDS} s of warm-up, not counted): POST /v1/events with varied events.`,
              `Lag is measured from the arrival of the 201 to the arrival of the first GET /v1/events/:id that answers 200 (no X-Min-Log-Position), polling every ${POLL_EVERY_MS} ms after each answer: it includes the last GET's own round trip.`,
              `Visibility is tracked on one write in ${main.trackedOneWriteIn}: polling every write every ${POLL_EVERY_MS} ms would add about ten GETs per write, and on 2 cores the instrument itself would saturate the API it measures. A write not seen after ${GIVE_UP_MS / 1000} s counts as ${GIVE_UP_MS / 1000} s.`,
              `The event-loop delay is the API's, read from /metrics (prom-client's monitorEventLoopDelay) before and after the run; in lag-all that is the API thread's (the worker side has a thread and event loop of its own).`,
              `For context, a second run at ${LIGHT_RATE} writes/s for ${LIGHT_SECONDS} s (one write in ${light.trackedOneWriteIn} tracked) shows the lag when the machine is not saturated; the target is judged at ${rate}/s.`,
            ],
          };
        } finally {
          await app.stop();
        }
      } finally {
        await db.drop();
      }
    },
  };
}

export const lag = lagScenario('lag', 'split', RATE);
export const lagAll = lagScenario('lag-all', 'all', ALL_IN_ONE_RATE);

/** The API's event-loop delay gauges; a scrape also resets prom-client's histogram, so two scrapes bracket a run. */
async function eventLoopDelay(app: BenchApp): Promise<{ p50: number | null; p99: number | null; max: number | null }> {
  const text = await scrapeMetrics(app.baseUrl);
  const read = (name: string): number | null => {
    const m = new RegExp(`^almanac_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text);
    return m ? round(Number(m[1]) * 1000, 2) : null;
  };
  return { p50: read('p50'), p99: read('p99'), max: read('max') };
}

async function paced(app: BenchApp, db: BenchDatabase, progress: Progress, rate: number, seconds: number, trackEvery: number, firstIndex: number): Promise<PacedRun> {
  const token = await app.token('bench', 'staff');
  const http = new HttpClient(app.baseUrl, 512);
  const total = (seconds + WARM_UP_SECONDS) * rate;
  const lags: number[] = [];
  const writeLatencies: number[] = [];
  const failures: Record<string, number> = {};
  let polls = 0;
  let gaveUp = 0;
  let written = 0;
  const fail = (why: string) => void (failures[why] = (failures[why] ?? 0) + 1);

  const one = async (i: number): Promise<void> => {
    const sent = performance.now();
    const w = await http.send('POST', '/v1/events', { body: scheduleBody(firstIndex + i), headers: { authorization: `Bearer ${token}` } });
    if (w.status !== 201) return fail(`POST ${w.status}`);
    written++;
    const counted = i >= WARM_UP_SECONDS * rate;
    if (counted) writeLatencies.push(w.at - sent);
    if (i % trackEvery !== 0) return;
    const id = (JSON.parse(w.body) as { id: string }).id;
    for (;;) {
      const r = await http.send('GET', `/v1/events/${id}`);
      if (counted) polls++;
      if (r.status === 200) {
        if (counted) lags.push(r.at - w.at);
        return;
      }
      if (r.status !== 404) return fail(`GET ${r.status}`);
      if (r.at - w.at > GIVE_UP_MS) {
        gaveUp++;
        if (counted) lags.push(GIVE_UP_MS);
        return;
      }
      await sleep(POLL_EVERY_MS);
    }
  };

  const cpu = await cpuMeter(app.api === app.worker ? { all: app.api.child.pid } : { api: app.api.child.pid, worker: app.worker.child.pid }, db.pool);
  await eventLoopDelay(app);
  // Open loop: write i leaves at t0 + i/rate, however slow the earlier ones are.
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  const run = (async () => {
    let next = 0;
    while (next < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
      for (; next < due; next++) inFlight.push(one(next).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err))));
      await sleep(1);
    }
    await Promise.all(inFlight);
  })();
  await progress.timed(`${rate} writes/s + polling reads`, seconds + WARM_UP_SECONDS, run, () => `${written} written, ${lags.length} seen`);
  const elapsed = (performance.now() - t0) / 1000;
  const cpuMsPerWriteIncludingPolls = await cpu.perOperation(Math.max(1, written));
  const apiEventLoopDelayMs = await eventLoopDelay(app);
  http.close();
  return {
    rate,
    achievedRate: round(written / elapsed, 1),
    trackedOneWriteIn: trackEvery,
    lagMs: summarize(lags),
    writeLatencyMs: summarize(writeLatencies),
    pollsPerTrackedWrite: round(polls / Math.max(1, lags.length), 1),
    gaveUp,
    failures,
    cpuMsPerWriteIncludingPolls,
    apiEventLoopDelayMs,
  };
}
