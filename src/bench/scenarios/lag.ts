import type { Scenario, ScenarioOutcome } from '../scenario';
import { startApp } from '../support/app';
import { createBenchDatabase } from '../support/database';
import { sleep } from '../support/env';
import { HttpClient } from '../support/http';
import { scheduleBody } from '../support/payloads';
import type { Progress } from '../support/progress';
import { round, summarize } from '../support/stats';

const RATE = 200;
const SECONDS = 20;
const WARM_UP_SECONDS = 2;
const POLL_EVERY_MS = 2;
/** A write not visible after this long counts as this long (and is reported). */
const GIVE_UP_MS = 10_000;

/**
 * 2. lag: writes at a steady 200 commands/s (open loop: a write is sent on schedule whether or
 * not earlier ones were answered); after each 201 the bench polls GET /v1/events/:id, WITHOUT
 * X-Min-Log-Position, every 2 ms until it answers 200. Lag = that 200's arrival − the 201's.
 */
export const lag: Scenario = {
  name: 'lag',
  title: `write-to-read lag at a steady ${RATE} commands/s`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('lag');
    try {
      progress.log('starting api and worker');
      const app = await startApp('lag', db.url);
      try {
        const token = await app.token('bench', 'staff');
        const http = new HttpClient(app.baseUrl, 512);
        const total = (SECONDS + WARM_UP_SECONDS) * RATE;
        const lags: number[] = [];
        const writeLatencies: number[] = [];
        const failures: Record<string, number> = {};
        let polls = 0;
        let gaveUp = 0;
        let written = 0;
        const fail = (why: string) => void (failures[why] = (failures[why] ?? 0) + 1);

        const one = async (i: number): Promise<void> => {
          const sent = performance.now();
          const w = await http.send('POST', '/v1/events', { body: scheduleBody(i), headers: { authorization: `Bearer ${token}` } });
          if (w.status !== 201) return fail(`POST ${w.status}`);
          written++;
          const counted = i >= WARM_UP_SECONDS * RATE;
          if (counted) writeLatencies.push(w.at - sent);
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

        // Open loop: write i leaves at t0 + i/RATE, however slow the earlier ones are.
        const inFlight: Promise<void>[] = [];
        const t0 = performance.now();
        const paced = (async () => {
          let next = 0;
          while (next < total) {
            const due = Math.min(total, Math.floor(((performance.now() - t0) * RATE) / 1000) + 1);
            for (; next < due; next++) inFlight.push(one(next).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err))));
            await sleep(1);
          }
          await Promise.all(inFlight);
        })();
        await progress.timed(`${RATE} writes/s + polling reads`, SECONDS + WARM_UP_SECONDS, paced, () => `${written} written, ${lags.length} seen`);
        const sendSeconds = (performance.now() - t0) / 1000;
        http.close();

        const lag = summarize(lags);
        const writes = summarize(writeLatencies);
        return {
          figures: [
            { metric: 'write rate achieved', value: round(written / sendSeconds, 1), unit: '/s' },
            { metric: 'lag p50', value: lag.p50, unit: 'ms' },
            { metric: 'lag p99', value: lag.p99, unit: 'ms', target: { op: '<', value: 50 } },
          ],
          details: { lagMs: lag, writeLatencyMs: writes, pollsPerWrite: round(polls / Math.max(1, lags.length), 1), gaveUpAfterMs: GIVE_UP_MS, gaveUp, failures, written },
          notes: [
            `Open loop at ${RATE} writes/s for ${SECONDS} s (plus ${WARM_UP_SECONDS} s of warm-up, not counted): POST /v1/events with varied events.`,
            `Lag is measured from the arrival of the 201 to the arrival of the first GET /v1/events/:id that answers 200 (no X-Min-Log-Position), polling every ${POLL_EVERY_MS} ms after each answer: it includes the last GET's own round trip.`,
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
