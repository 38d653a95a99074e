import type { Scenario, ScenarioOutcome } from '../scenario';
import { createBenchDatabase } from '../support/database';
import { scaled } from '../support/env';
import { fillCalendar, fillSeries, monthCountryPaths } from '../support/fixtures';
import type { Progress } from '../support/progress';
import { listingFigures, measure } from './query';

const EVENTS = scaled(100_000);
const SERIES = scaled(1_000);

/**
 * 5b. series: the query benchmark's calendar with weekly series among its events — 100,000
 * rows of which 1,000 are weekly series, expanded by GET /v1/events in every window they meet
 * (a one-month window with a country filter meets about 200 of them, 4 or 5 instances each).
 */
export const series: Scenario = {
  name: 'series',
  title: `GET /v1/events (one month, one country) over ${EVENTS / 1000}k events, ${SERIES.toLocaleString('en-US')} of them weekly series`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('series');
    try {
      progress.log(`filling calendar_events with ${(EVENTS - SERIES).toLocaleString('en-US')} events and ${SERIES.toLocaleString('en-US')} weekly series`);
      const t0 = performance.now();
      await fillCalendar(db.pool, EVENTS - SERIES);
      await fillSeries(db.pool, SERIES);
      const fillSeconds = (performance.now() - t0) / 1000;
      const paths = monthCountryPaths();
      const cached = await measure(db, paths, {}, progress, 'page cache on');
      const uncached = await measure(db, paths, { LIST_CACHE_MB: '0' }, progress, 'page cache off');
      const explain = await db.pool.query(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)
         SELECT * FROM calendar_events
          WHERE country = 'KR' AND recurrence IS NOT NULL
            AND tstzrange(starts_at, greatest(starts_at, coalesce(series_ends_at, 'infinity'::timestamptz)), '[]') && tstzrange('2027-03-01T00:00:00Z', '2027-04-01T00:00:00Z', '[)')
          ORDER BY starts_at, id LIMIT 5000`,
      );
      return {
        figures: listingFigures(cached, uncached),
        details: { cached, uncached, fillSeconds, paths: paths.length, explainSeriesQuery: explain.rows.map((x: Record<string, string>) => x['QUERY PLAN']) },
        notes: [
          `calendar_events is filled directly: ${(EVENTS - SERIES).toLocaleString('en-US')} single events as in the query benchmark, and ${SERIES.toLocaleString('en-US')} weekly series at 10:00 local from a day in the first year, in the five countries, half without end and half of 104 instances.`,
          'Each request lists one month × one country (240 combinations) with the default page size: the single events of the window beside the instances of every series whose span meets it, expanded at query time.',
          'The page cache (on by default) serves a page again only while the view is unchanged; nothing writes during this benchmark, and every path is requested once before the 2 s warm-up, so the run measures hits (details.cached.pageCacheInRun counts the lookups during the run, from /metrics). The second run turns it off: the cost of the expansion itself.',
        ],
      };
    } finally {
      await db.drop();
    }
  },
};
