import type { Scenario, ScenarioOutcome } from '../scenario';
import { startApp } from '../support/app';
import { createBenchDatabase, projectionsCaughtUp } from '../support/database';
import { scaled, waitUntil } from '../support/env';
import { fillCalendar } from '../support/fixtures';
import { HttpClient, inParallel } from '../support/http';
import { scheduleBody } from '../support/payloads';
import type { Progress } from '../support/progress';
import { round, summarize } from '../support/stats';

const EVENTS = scaled(100_000);
const CHANGES = 1000;
const PAGE = 500;
const RUNS = 20;
const WRITERS = 16;

interface Page {
  items: { id: string }[];
  nextCursor: string | null;
  nextSyncToken?: string;
}

/**
 * 6. sync: 100,000 events in the calendar view; a client holds a sync token; then 1,000 changes
 * through the API (500 reschedules, 250 detail changes, 250 cancels of 1,000 events scheduled
 * before the token). Catch-up = following nextCursor pages of 500 from the token until
 * nextSyncToken, timed from the first request to the last answer; repeated 20 times.
 */
export const sync: Scenario = {
  name: 'sync',
  title: `incremental sync of ${CHANGES} changes among ${EVENTS / 1000}k events`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('sync');
    try {
      progress.log(`filling calendar_events with ${EVENTS / 1000}k events`);
      await fillCalendar(db.pool, EVENTS);
      progress.log('starting api and worker');
      const app = await startApp('sync', db.url);
      const http = new HttpClient(app.baseUrl);
      try {
        const staff = { authorization: `Bearer ${await app.token('bench', 'staff')}` };
        const ids: string[] = [];
        progress.start(`schedule ${CHANGES} events (before the token)`, CHANGES, 'events');
        await inParallel(
          CHANGES,
          WRITERS,
          async (i) => {
            const r = await http.json<{ id: string }>('POST', '/v1/events', { body: scheduleBody(i), headers: staff, expect: [201] });
            ids[i] = r.body.id;
          },
          (n) => progress.update(n),
        );
        progress.stop();
        await waitUntil('calendar catches up', () => projectionsCaughtUp(db.pool, ['calendar']), 120_000);

        // The token a client holds: any listing's last page carries one (here an empty day).
        const listing = await http.json<Page>('GET', '/v1/events?from=2001-01-01&to=2001-01-01', { expect: [200] });
        const token = listing.body.nextSyncToken!;

        progress.start(`${CHANGES} changes through the API`, CHANGES, 'changes');
        await inParallel(
          CHANGES,
          WRITERS,
          async (i) => {
            const id = ids[i];
            if (i % 4 < 2) {
              const b = scheduleBody(i + 1);
              await http.json('POST', `/v1/events/${id}/reschedule`, { body: { start: b.start, end: b.end, reason: 'venue' }, headers: staff, expect: [200] });
            } else if (i % 4 === 2) {
              await http.json('PATCH', `/v1/events/${id}`, { body: { title: `Regional forum ${i}, new title` }, headers: staff, expect: [200] });
            } else {
              await http.json('POST', `/v1/events/${id}/cancel`, { body: { reason: 'postponed' }, headers: staff, expect: [200] });
            }
          },
          (n) => progress.update(n),
        );
        progress.stop();
        await waitUntil('calendar catches up', () => projectionsCaughtUp(db.pool, ['calendar']), 120_000);

        const times: number[] = [];
        let items = 0;
        let pages = 0;
        progress.start('catch up from the token', RUNS, 'runs');
        for (let run = 0; run < RUNS; run++) {
          const t0 = performance.now();
          let path = `/v1/events?syncToken=${token}&limit=${PAGE}`;
          items = 0;
          pages = 0;
          for (;;) {
            const r = await http.json<Page>('GET', path, { expect: [200] });
            items += r.body.items.length;
            pages++;
            if (r.body.nextSyncToken) break;
            path = `/v1/events?cursor=${r.body.nextCursor}&limit=${PAGE}`;
          }
          times.push(performance.now() - t0);
          progress.update(run + 1);
        }
        progress.stop();
        if (items !== CHANGES) throw new Error(`sync returned ${items} changed events, expected ${CHANGES}`);
        const s = summarize(times);
        return {
          figures: [
            { metric: `catch-up, ${CHANGES} changes (median of ${RUNS})`, value: s.p50, unit: 'ms', target: { op: '<', value: 200 } },
            { metric: `catch-up, slowest of ${RUNS}`, value: s.max, unit: 'ms' },
            { metric: 'catch-up, first (cold) run', value: round(times[0]), unit: 'ms' },
          ],
          details: { catchUpMs: s, runsMs: times.map((t) => round(t)), pagesPerCatchUp: pages, itemsPerCatchUp: items },
          notes: [
            `calendar_events is filled directly with ${EVENTS.toLocaleString('en-US')} rows; ${CHANGES} events are then scheduled through the API, the sync token taken, and each of them changed once through the API (reschedule, PATCH or cancel), so the sync returns ${CHANGES} items, cancelled ones as tombstones.`,
            `A catch-up follows nextCursor with limit=${PAGE} until nextSyncToken (${pages} requests), from one keep-alive connection; the target is judged on the median of ${RUNS} runs, the slowest is shown beside it.`,
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
