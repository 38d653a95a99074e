import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseListing, parseListingInSlices } from '../../modules/scheduling/import-listing/listing-parser';
import type { Scenario, ScenarioOutcome } from '../scenario';
import { startApp } from '../support/app';
import { createBenchDatabase } from '../support/database';
import { HttpClient } from '../support/http';
import type { Progress } from '../support/progress';
import { round, summarize } from '../support/stats';

const BYTES = 1024 * 1024;
const PROBE_EVERY_MS = 20;

const PLACES = ['Ulaanbaatar, Mongolia', 'Seoul, Republic of Korea', 'Beijing, China', 'Tokyo, Japan', "Pyongyang, Democratic People's Republic of Korea", 'Jecheon City, Republic of Korea'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A listing in the office's "When Where" format of at most `bytes` (the API's body limit is 1 MB), every row distinct: both row shapes, several countries. */
export function listingOf(bytes: number): { text: string; rows: number } {
  const lines = ['Events of the Beijing Cluster Office', '', 'When Where'];
  let size = lines.join('\n').length;
  let rows = 0;
  for (;;) {
    const i = rows;
    const day = (i % 27) + 1;
    const date = `${day} ${MONTHS[Math.floor(i / 27) % 12]} ${2030 + (Math.floor(i / 324) % 60)}`;
    const place = PLACES[i % PLACES.length];
    const title = `Regional consultation on heritage and learning, session ${i}`;
    const row = i % 3 === 0 ? [`${date} to ${day + 1} ${MONTHS[Math.floor(i / 27) % 12]} ${2030 + (Math.floor(i / 324) % 60)}`, `${place} ${title}`] : [`${date} ${place} ${title}`];
    const added = Buffer.byteLength(row.join('\n')) + 1;
    if (size + added > bytes) break;
    lines.push(...row);
    size += added;
    rows++;
  }
  return { text: lines.join('\n'), rows };
}

/**
 * 7. import: a 1 MB listing. In this process: parsed at once (the whole cost, blocking), then in
 * slices while the event loop's delay is monitored (the longest it is held). Through the API:
 * POST /v1/imports of the same listing while a client probes /health/live every 20 ms.
 */
export const importListing: Scenario = {
  name: 'import',
  title: 'a 1 MB listing: parsing without blocking the event loop, and imported through the API',
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const { text, rows } = listingOf(BYTES);
    const bytes = Buffer.byteLength(text);
    progress.log(`listing of ${bytes.toLocaleString('en-US')} bytes, ${rows.toLocaleString('en-US')} rows`);

    const t0 = performance.now();
    const whole = parseListing(text);
    const blockingMs = performance.now() - t0;
    if (whole.rows.length !== rows) throw new Error(`parsed ${whole.rows.length} rows of ${rows}: ${JSON.stringify(whole.failures.slice(0, 3))}`);

    const delay = monitorEventLoopDelay({ resolution: 5 });
    // A timer that should fire every 5 ms: the largest gap between its runs is the longest block.
    let last = performance.now();
    let longestGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    delay.enable();
    const s0 = performance.now();
    await parseListingInSlices(text);
    const slicedMs = performance.now() - s0;
    delay.disable();
    clearInterval(ticker);
    const maxDelayMs = delay.max / 1e6;

    const db = await createBenchDatabase('import');
    try {
      progress.log('starting api and worker');
      const app = await startApp('import', db.url);
      const http = new HttpClient(app.baseUrl, 4);
      try {
        const staff = `Bearer ${await app.token('bench', 'staff')}`;
        const probes: number[] = [];
        let importing = true;
        const prober = (async () => {
          while (importing) {
            const p0 = performance.now();
            const r = await http.send('GET', '/health/live');
            if (r.status !== 200) throw new Error(`/health/live answered ${r.status} during the import`);
            probes.push(performance.now() - p0);
            await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
          }
        })();
        progress.log(`POST /v1/imports (${rows.toLocaleString('en-US')} rows)`);
        const i0 = performance.now();
        const reply = await fetch(`${app.baseUrl}/v1/imports`, { method: 'POST', headers: { authorization: staff, 'content-type': 'text/plain' }, body: text });
        const importMs = performance.now() - i0;
        importing = false;
        await prober;
        const report = (await reply.json()) as { summary?: { created: number; skipped: number; failed: number } };
        if (reply.status !== 200 || report.summary?.created !== rows) throw new Error(`import answered ${reply.status}: ${JSON.stringify(report).slice(0, 500)}`);
        const probe = summarize(probes);
        return {
          figures: [
            { metric: 'parse 1 MB at once (blocking, context)', value: round(blockingMs), unit: 'ms' },
            { metric: 'parse 1 MB in slices: longest block', value: round(Math.max(maxDelayMs, longestGap)), unit: 'ms', target: { op: '<', value: 100 } },
            { metric: 'import 1 MB through the API', value: round(importMs / 1000), unit: 's' },
            { metric: 'import: rows scheduled per second', value: round(rows / (importMs / 1000), 0), unit: '/s' },
            { metric: 'health probe during the import, p99', value: probe.p99, unit: 'ms' },
            { metric: 'health probe during the import, slowest', value: probe.max, unit: 'ms' },
          ],
          details: {
            bytes,
            rows,
            blockingMs: round(blockingMs),
            slicedMs: round(slicedMs),
            eventLoopDelayMaxMs: round(maxDelayMs),
            longestTimerGapMs: round(longestGap),
            importMs: round(importMs),
            probes: probe,
            probeCount: probes.length,
          },
          notes: [
            `The listing is generated: ${rows.toLocaleString('en-US')} distinct rows (a third of them in the two-line "date to date" shape) in six places of five countries, ${bytes.toLocaleString('en-US')} bytes.`,
            'Parsing is measured in the bench process itself: once all at once (the CPU it costs), then in slices with a 5 ms timer and monitorEventLoopDelay running; the longest gap either saw is the figure.',
            `Through the API, one client probes GET /health/live every ${PROBE_EVERY_MS} ms from before the import is sent until its answer arrives: how long other requests wait on the API process meanwhile (it also appends every row).`,
          ],
        };
      } finally {
        http.close();
        await app.stop();
      }
    } finally {
      await db.drop();
    }
  },
};
