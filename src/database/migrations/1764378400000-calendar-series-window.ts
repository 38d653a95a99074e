import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /v1/events finds the series whose span (first start to last end, open-ended: infinity)
 * overlaps the window. The btree on `starts_at` could only bound one side, so with a country the
 * planner ANDed it with the whole country's rows of the (country, during) index: 28 of 34 ms on
 * 100k events. These partial GiST indexes hold the span itself, alone and after the country, and
 * only for series rows. `greatest` and the closed bounds keep the range valid (never lower > upper)
 * whatever a row holds, so no row can fail to be written because of its index.
 * The expression is repeated word for word in the read model's series query (it must match).
 */
export class CalendarSeriesWindow1764378400000 implements MigrationInterface {
  name = 'CalendarSeriesWindow1764378400000';

  async up(q: QueryRunner): Promise<void> {
    const span = `tstzrange(starts_at, greatest(starts_at, coalesce(series_ends_at, 'infinity'::timestamptz)), '[]')`;
    await q.query(`CREATE INDEX calendar_events_series_span_idx ON calendar_events USING gist ((${span})) WHERE recurrence IS NOT NULL`);
    await q.query(`CREATE INDEX calendar_events_series_country_span_idx ON calendar_events USING gist (country, (${span})) WHERE recurrence IS NOT NULL`);
    await q.query('DROP INDEX calendar_events_series_idx');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX calendar_events_series_idx ON calendar_events (starts_at) WHERE recurrence IS NOT NULL');
    await q.query('DROP INDEX calendar_events_series_country_span_idx');
    await q.query('DROP INDEX calendar_events_series_span_idx');
  }
}
