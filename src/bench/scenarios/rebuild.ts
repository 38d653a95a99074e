import { readFileSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from '../../bootstrap';
import { loadConfig } from '../../config/config';
import type { EventMetadata, NewEvent } from '../../events/envelope';
import { EventStore } from '../../events/event-store.port';
import { LogBaselines } from '../../events/log-baselines';
import type { CalendarEventEvent } from '../../modules/scheduling/domain/events';
import { PROGRAMMES, calendarEventStream } from '../../modules/scheduling/domain/events';
import type { RebuildReport } from '../../projections/projection.rebuilder';
import type { Scenario, ScenarioOutcome } from '../scenario';
import { appEnv, clearQueuePrefix, npmScriptNodeFlags, spawnNode } from '../support/app';
import { cpuSeconds } from '../support/cpu';
import { BenchDatabase, createBenchDatabase } from '../support/database';
import { scaled, sleep, uniqueSuffix } from '../support/env';
import { inParallel } from '../support/http';
import { DESCRIPTION, PLACES } from '../support/payloads';
import type { Progress } from '../support/progress';
import { round } from '../support/stats';

/** Log sizes the rebuild is measured at (the second shows whether memory stays flat). */
const SIZES = [scaled(100_000, 50), scaled(500_000, 50)];
const EVENTS_PER_STREAM = 50;
const APPENDERS = 8;
const RSS_SAMPLE_MS = 50;

interface RebuildRun {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  wallSecondsWithBoot: number;
  peakRssMb: number;
  rssSamples: number;
  /** CPU seconds of the CLI process (boot included) and of the database backends it opened. */
  cliCpuSeconds: number;
  postgresCpuSeconds: number;
}

interface RawRun {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/**
 * 3. rebuild: the log grows to 100,000 then 500,000 events, written through the event store's
 * append path (50-event appends, one stream each, 8 appenders at once; not measured). At each
 * size, `node dist/cli/main.js projections rebuild calendar` rebuilds the calendar view into
 * fresh tables and swaps them in; its peak RSS is read from /proc (VmHWM). Beside it, the raw
 * limit: one INSERT … SELECT of the same rows into a plain table.
 */
export const rebuild: Scenario = {
  name: 'rebuild',
  title: `rebuild the calendar projection from ${SIZES.map((s) => `${s / 1000}k`).join(' and ')} events, beside INSERT … SELECT`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('rebuild');
    const prefix = `bench-rebuild-${uniqueSuffix()}`;
    const env = appEnv(db.url, prefix);
    let ctx: INestApplicationContext | null = null;
    try {
      ctx = await createWorkerContext(loadConfig(env), 'cli');
      const store = ctx.get(EventStore);
      const runs: { size: number; generationSeconds: number; rebuild: RebuildRun; raw: RawRun }[] = [];
      let streams = 0;
      for (const size of SIZES) {
        const t0 = performance.now();
        const target = size / EVENTS_PER_STREAM;
        const from = streams;
        progress.start(`append to ${size / 1000}k events (not measured)`, size, 'events');
        await inParallel(
          target - from,
          APPENDERS,
          (i) => appendStream(store, from + i),
          (done) => progress.update((from + done) * EVENTS_PER_STREAM),
        );
        progress.stop();
        streams = target;
        const generationSeconds = (performance.now() - t0) / 1000;
        await db.pool.query('VACUUM ANALYZE events');
        const raw = await insertSelect(db, progress, size);
        const rb = await rebuildInChild(db, env, progress, size);
        runs.push({ size, generationSeconds: round(generationSeconds, 1), rebuild: rb, raw });
      }
      const last = runs[runs.length - 1];
      const first = runs[0];
      const share = round((last.rebuild.eventsPerSecond / last.raw.rowsPerSecond) * 100, 1);
      return {
        figures: [
          { metric: `rebuild, ${first.size / 1000}k events`, value: first.rebuild.eventsPerSecond, unit: 'events/s' },
          { metric: `rebuild, ${last.size / 1000}k events`, value: last.rebuild.eventsPerSecond, unit: 'events/s' },
          { metric: `INSERT … SELECT, ${last.size / 1000}k rows`, value: last.raw.rowsPerSecond, unit: 'rows/s', kind: 'limit' },
          { metric: 'rebuild share of INSERT … SELECT', value: share, unit: '%', target: { op: '>=', value: 50 } },
          { metric: `peak RSS, ${first.size / 1000}k events`, value: first.rebuild.peakRssMb, unit: 'MB', target: { op: '<', value: 300 } },
          { metric: `peak RSS, ${last.size / 1000}k events`, value: last.rebuild.peakRssMb, unit: 'MB', target: { op: '<', value: 300 } },
          { metric: `generating ${last.size / 1000}k events (not a target)`, value: runs.reduce((s, r) => s + r.generationSeconds, 0), unit: 's' },
        ],
        details: { runs, eventsPerStream: EVENTS_PER_STREAM, appenders: APPENDERS },
        notes: [
          `The log is written through PostgresEventStore.append (hash chain, optimistic concurrency) from an in-process \`cli\` context: one ${EVENTS_PER_STREAM}-event append per CalendarEvent stream (EventScheduled, then reschedules and detail changes; every 10th stream ends cancelled), ${APPENDERS} appenders at once. Generation time is reported, not judged.`,
          'The rebuild runs as `npm run cli -- projections rebuild calendar` does (`node --max-old-space-size=192 dist/cli/main.js projections rebuild calendar`) (fresh tables, replay from position 0, swap); events/s = events replayed / the seconds its report gives; peak RSS = VmHWM of that process (Nest boot included).',
          'CPU: the CLI process (boot included, about 2 s) and the database backends it opened, sampled from /proc every 50 ms while they live (in details.runs).',
          'Raw limit: every row of the log copied server-side (INSERT … SELECT *) into a table LIKE the log: no index, no client round trip.',
        ],
      };
    } finally {
      await ctx?.close();
      await clearQueuePrefix(prefix);
      await db.drop();
    }
  },
};

const meta = (i: number): EventMetadata => ({ actor: 'bench', correlationId: `bench-rebuild-${i}`, causationId: `bench-rebuild-${i}` });

/** One CalendarEvent's whole life in one append: valid by construction (dates move, titles change). */
async function appendStream(store: EventStore, i: number): Promise<void> {
  const id = streamUuid(i);
  const place = PLACES[i % PLACES.length];
  const day0 = Date.UTC(2026, 0, 1) + (i % 1460) * 86_400_000;
  const day = (offset: number) => new Date(day0 + offset * 86_400_000).toISOString().slice(0, 10);
  const events: CalendarEventEvent[] = [
    {
      type: 'EventScheduled',
      data: {
        title: `Regional forum ${i}`,
        description: DESCRIPTION,
        programme: PROGRAMMES[i % PROGRAMMES.length],
        location: { city: place.city, country: place.country, venue: place.venue },
        timeZone: place.timeZone,
        start: { date: day(0) },
        end: { date: day(2) },
      },
    },
  ];
  const cancelled = i % 10 === 0;
  for (let k = 1; k < EVENTS_PER_STREAM; k++) {
    if (cancelled && k === EVENTS_PER_STREAM - 1) events.push({ type: 'EventCancelled', data: { reason: 'postponed' } });
    else if (k % 2 === 1) events.push({ type: 'EventRescheduled', data: { start: { date: day(k) }, end: { date: day(k + 2) }, timeZone: place.timeZone, reason: 'venue' } });
    else events.push({ type: 'EventDetailsChanged', data: { title: `Regional forum ${i}, revision ${k}` } });
  }
  await store.append(calendarEventStream(id), 0, events as NewEvent[], meta(i));
}

const streamUuid = (i: number): string => {
  const hex = i.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
};

async function insertSelect(db: BenchDatabase, progress: Progress, size: number): Promise<RawRun> {
  progress.log(`INSERT … SELECT of ${size / 1000}k rows into a plain table`);
  await db.pool.query('DROP TABLE IF EXISTS plain_copy');
  await LogBaselines.createLike(db.pool, 'plain_copy');
  const t0 = performance.now();
  const rows = await LogBaselines.copyAllInto(db.pool, 'plain_copy');
  const seconds = (performance.now() - t0) / 1000;
  await db.pool.query('DROP TABLE plain_copy');
  return { rows, seconds: round(seconds, 3), rowsPerSecond: round(rows / seconds, 0) };
}

async function rebuildInChild(db: BenchDatabase, env: Record<string, string>, progress: Progress, size: number): Promise<RebuildRun> {
  const backends = async () => (await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((r) => r.pid);
  // The bench's own connections are there before the CLI: only backends opened after count.
  const ours = new Set(await backends());
  const backendCpu = new Map<number, number>();
  let cliCpu = 0;
  const p = spawnNode('rebuild-cli', 'cli/main.js', ['projections', 'rebuild', 'calendar'], env, npmScriptNodeFlags('cli'));
  const t0 = performance.now();
  let peakKb = 0;
  let samples = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      try {
        const status = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
        const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
        peakKb = Math.max(peakKb, hwm);
        samples++;
        cliCpu = Math.max(cliCpu, cpuSeconds(p.child.pid));
      } catch {
        /* the process has just exited */
      }
      // Sampled while they live: a backend's CPU is gone from /proc once its client disconnects.
      for (const pid of await backends()) if (!ours.has(pid)) backendCpu.set(pid, Math.max(backendCpu.get(pid) ?? 0, cpuSeconds(pid)));
      await sleep(RSS_SAMPLE_MS);
    }
  })();
  const code = await progress.timed(`rebuild calendar, ${size / 1000}k events`, Math.ceil(size / 10_000), p.exited, () => `${Math.round(peakKb / 1024)} MB peak`);
  done = true;
  await sampler;
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`projections rebuild exited with ${code}:\n${p.stderr()}`);
  const report = JSON.parse(p.stdout()) as RebuildReport;
  return {
    events: report.events,
    seconds: report.seconds,
    eventsPerSecond: round(report.events / report.seconds, 0),
    wallSecondsWithBoot: round(wall, 1),
    peakRssMb: round(peakKb / 1024, 1),
    rssSamples: samples,
    cliCpuSeconds: round(cliCpu, 2),
    postgresCpuSeconds: round(
      [...backendCpu.values()].reduce((a, b) => a + b, 0),
      2,
    ),
  };
}
