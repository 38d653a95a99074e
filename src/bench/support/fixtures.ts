import type { Pool } from 'pg';
import { PROGRAMMES } from '../../modules/scheduling/domain/events';
import { DESCRIPTION, PLACES } from './payloads';

/** The span the read-model fixture covers: four years of events from FIXTURE_FIRST_DAY. */
export const FIXTURE_FIRST_DAY = '2026-01-01';
export const FIXTURE_DAYS = 1461;

/**
 * Fills `calendar_events` with `n` events directly, in one INSERT … SELECT: what the calendar
 * projection would hold after n schedules, without n trips through the log (the log path is
 * what `append` and `rebuild` measure). Spread over four years and the office's five countries;
 * two in three are all-day (1–4 days), the others 09:30–17:00 local; one in twenty cancelled.
 */
export async function fillCalendar(pool: Pool, n: number): Promise<void> {
  const places = PLACES.map((p) => `('${p.city.replace(/'/g, "''")}', '${p.country}', '${p.venue.replace(/'/g, "''")}', '${p.timeZone}')`).join(', ');
  await pool.query(
    `WITH place(city, country, venue, tz) AS (VALUES ${places}),
          p AS (SELECT row_number() OVER () - 1 AS k, city, country, venue, tz FROM place),
          g AS (SELECT i, $2::date + ((i * 7919) % $3) AS day, (i % 4) AS extra, (i % 3 = 0) AS timed FROM generate_series(1, $1::int) AS i),
          e AS (
            SELECT g.*, p.city, p.country, p.venue, p.tz,
                   CASE WHEN timed THEN (day + time '09:30') AT TIME ZONE p.tz ELSE day::timestamp AT TIME ZONE p.tz END AS starts_at,
                   CASE WHEN timed THEN (day + time '17:00') AT TIME ZONE p.tz ELSE (day + extra + 1)::timestamp AT TIME ZONE p.tz END AS ends_at
              FROM g JOIN p ON p.k = g.i % 5)
     INSERT INTO calendar_events (id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value,
                                  starts_at, ends_at, cancel_reason, version, last_position, updated_at)
     SELECT md5('bench-' || i)::uuid,
            CASE WHEN i % 20 = 0 THEN 'cancelled' ELSE 'scheduled' END,
            'Regional forum ' || i, $4, ($5::text[])[1 + (i / 5) % 5], city, country, venue, tz,
            CASE WHEN timed THEN jsonb_build_object('dateTime', to_char(day, 'YYYY-MM-DD') || 'T09:30')
                 ELSE jsonb_build_object('date', to_char(day, 'YYYY-MM-DD')) END,
            CASE WHEN timed THEN jsonb_build_object('dateTime', to_char(day, 'YYYY-MM-DD') || 'T17:00')
                 ELSE jsonb_build_object('date', to_char(day + extra, 'YYYY-MM-DD')) END,
            starts_at, ends_at, CASE WHEN i % 20 = 0 THEN 'postponed' END, 1, i, now()
       FROM e`,
    [n, FIXTURE_FIRST_DAY, FIXTURE_DAYS, DESCRIPTION, [...PROGRAMMES]],
  );
  await pool.query('VACUUM ANALYZE calendar_events');
}

/**
 * Adds `n` weekly series to `calendar_events` directly, as the calendar projection keeps them
 * (one row each: its RFC 5545 lines, no changed instances, and where its last instance ends).
 * Each runs weekly at 10:00 local for an hour from a day in the fixture's first year, in the
 * office's five countries; half never end, half end after 104 instances (`series_ends_at` is an
 * upper bound there, as the projection's is for UNTIL).
 */
export async function fillSeries(pool: Pool, n: number): Promise<void> {
  const places = PLACES.map((p) => `('${p.city.replace(/'/g, "''")}', '${p.country}', '${p.venue.replace(/'/g, "''")}', '${p.timeZone}')`).join(', ');
  await pool.query(
    `WITH place(city, country, venue, tz) AS (VALUES ${places}),
          p AS (SELECT row_number() OVER () - 1 AS k, city, country, venue, tz FROM place),
          g AS (SELECT i, $2::date + ((i * 37) % 365) AS day, (i % 2 = 0) AS open FROM generate_series(1, $1::int) AS i),
          e AS (
            SELECT g.*, p.city, p.country, p.venue, p.tz,
                   (day + time '10:00') AT TIME ZONE p.tz AS starts_at, (day + time '11:00') AT TIME ZONE p.tz AS ends_at
              FROM g JOIN p ON p.k = g.i % 5)
     INSERT INTO calendar_events (id, status, title, description, programme, city, country, venue, time_zone, start_value, end_value,
                                  starts_at, ends_at, cancel_reason, version, last_position, updated_at, recurrence, overrides, series_ends_at)
     SELECT md5('bench-series-' || i)::uuid, 'scheduled', 'Weekly briefing ' || i, $3, ($4::text[])[1 + (i / 5) % 5], city, country, venue, tz,
            jsonb_build_object('dateTime', to_char(day, 'YYYY-MM-DD') || 'T10:00'), jsonb_build_object('dateTime', to_char(day, 'YYYY-MM-DD') || 'T11:00'),
            starts_at, ends_at, NULL, 1, 0, now(),
            CASE WHEN open THEN '["RRULE:FREQ=WEEKLY"]'::jsonb ELSE '["RRULE:FREQ=WEEKLY;COUNT=104"]'::jsonb END, '{}'::jsonb,
            CASE WHEN open THEN NULL ELSE ends_at + interval '104 weeks' + interval '1 day' END
       FROM e`,
    [n, FIXTURE_FIRST_DAY, DESCRIPTION, [...PROGRAMMES]],
  );
  await pool.query('VACUUM ANALYZE calendar_events');
}

/** `/v1/events?from=…&to=…&country=…` for every month of the fixture and every country, in a shuffled but fixed order. */
export function monthCountryPaths(extra = ''): string[] {
  const paths: string[] = [];
  const first = new Date(`${FIXTURE_FIRST_DAY}T00:00:00Z`);
  for (let m = 0; m < 48; m++) {
    const from = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + m, 1));
    const to = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + m + 1, 0));
    for (const p of PLACES) paths.push(`/v1/events?from=${from.toISOString().slice(0, 10)}&to=${to.toISOString().slice(0, 10)}&country=${p.country}${extra}`);
  }
  // A fixed shuffle (no Math.random): consecutive requests hit different months and countries.
  return paths
    .map((p, i) => ({ p, k: (i * 7919) % paths.length }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.p);
}
