import type { Scenario, ScenarioOutcome } from '../scenario';
import { BENCH_METRICS_TOKEN, scrapeMetrics, startApp } from '../support/app';
import { cpuMeter } from '../support/cpu';
import { BenchDatabase, createBenchDatabase } from '../support/database';
import { scaled } from '../support/env';
import { fillCalendar, monthCountryPaths } from '../support/fixtures';
import { inParallel } from '../support/http';
import { load } from '../support/load';
import type { Progress } from '../support/progress';

const EVENTS = scaled(100_000);
const CLIENTS = 16;
const SECONDS = 15;
const WARM_UP_SECONDS = 2;

/**
 * 5. query: 100,000 events in the calendar view; GET /v1/events for a one-month window with a
 * country filter (the API's default page of 100), 16 clients for 15 s, cycling through every
 * month of the four years and every country.
 */
export const query: Scenario = {
  name: 'query',
  title: `GET /v1/events (one month, one country) over ${EVENTS / 1000}k events, ${CLIENTS} clients`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('query');
    try {
      progress.log(`filling calendar_events with ${EVENTS / 1000}k events`);
      const t0 = performance.now();
      await fillCalendar(db.pool, EVENTS);
      const fillSeconds = (performance.now() - t0) / 1000;
      const paths = monthCountryPaths();
      // As users run it (page cache on), then with LIST_CACHE_MB=0 for context: what a request costs when it reads the table.
      const cached = await measure(db, paths, {}, progress, 'page cache on');
      const uncached = await measure(db, paths, { LIST_CACHE_MB: '0' }, progress, 'page cache off');
      const explain = await db.pool.query(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)
         SELECT * FROM calendar_events
          WHERE during && tstzrange('2027-03-01T00:00:00Z', '2027-04-01T00:00:00Z', '[)') AND country = 'KR' AND status = 'scheduled'
          ORDER BY starts_at, id LIMIT 101`,
      );
      return {
        figures: listingFigures(cached, uncached),
        details: { cached, uncached, fillSeconds, paths: paths.length, explainListQuery: explain.rows.map((x: Record<string, string>) => x['QUERY PLAN']) },
        notes: [
          `calendar_events is filled directly with ${EVENTS.toLocaleString('en-US')} rows (one INSERT … SELECT: four years, five countries, a third timed, one in twenty cancelled) rather than through the log; the log path is what append and rebuild measure.`,
          `${CLIENTS} autocannon connections for ${SECONDS} s (after ${WARM_UP_SECONDS} s of warm-up), each request a different month × country (240 combinations), default page size (100 of about 400 matches).`,
          'The page cache (on by default) serves a page again only while the view is unchanged; nothing writes during this benchmark, and every path is requested once before the 2 s warm-up, so the run measures hits (details.cached.pageCacheInRun counts the lookups during the run, from /metrics). The second run turns it off.',
        ],
      };
    } finally {
      await db.drop();
    }
  },
};

/** The listing benchmarks' figures: with the page cache as users run it, and without it for context. */
export function listingFigures(cached: Measured, uncached: Measured): ScenarioOutcome['figures'] {
  return [
    { metric: 'requests/s', value: cached.load.rate, unit: '/s' },
    { metric: 'latency p50', value: cached.load.latencyMs.p50, unit: 'ms' },
    { metric: 'latency p99', value: cached.load.latencyMs.p99, unit: 'ms', target: { op: '<', value: 20 } },
    { metric: 'requests/s, page cache off (context)', value: uncached.load.rate, unit: '/s' },
    { metric: 'latency p99, page cache off (context)', value: uncached.load.latencyMs.p99, unit: 'ms' },
  ];
}

type Measured = Awaited<ReturnType<typeof measure>>;

/** The API's page-cache lookups so far, from /metrics. */
async function cacheLookups(baseUrl: string): Promise<{ hits: number; misses: number }> {
  const text = await scrapeMetrics(baseUrl);
  const read = (result: string) => Number(new RegExp(`^almanac_list_cache_lookups_total\\{result="${result}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { hits: read('hit'), misses: read('miss') };
}

export async function measure(db: BenchDatabase, paths: string[], env: Record<string, string>, progress: Progress, label: string) {
  progress.log(`starting api and worker (${label})`);
  const app = await startApp('query', db.url, { METRICS_TOKEN: BENCH_METRICS_TOKEN, ...env });
  try {
    const opts = { url: app.baseUrl, connections: CLIENTS, paths };
    // Every path once, then the timed warm-up: with the page cache on, the measured run is then
    // what it says, hits (a warm-up of 2 s alone visited only some of the paths when a first
    // visit is slow, as a series' expansion is, and the rest were misses inside the run).
    await inParallel(paths.length, CLIENTS, async (i) => {
      const res = await fetch(`${app.baseUrl}${paths[i]}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`warm-up GET ${paths[i]}: ${res.status}`);
    });
    await load({ ...opts, seconds: WARM_UP_SECONDS }, progress, `warm-up, ${label} (not counted)`);
    const before = await cacheLookups(app.baseUrl);
    const cpu = await cpuMeter({ api: app.api.child.pid }, db.pool);
    const r = await load({ ...opts, seconds: SECONDS }, progress, `GET /v1/events × ${CLIENTS} clients, ${label}`);
    const cpuMsPerRequest = await cpu.perOperation(r.ok);
    const after = await cacheLookups(app.baseUrl);
    return { load: r, cpuMsPerRequest, pageCacheInRun: { hits: after.hits - before.hits, misses: after.misses - before.misses } };
  } finally {
    await app.stop();
  }
}
