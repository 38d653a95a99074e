import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reminder-plan projection asks "which lead times are in use?" for every scheduled event
 * and "did this confirmation bring a new one?" for every confirmation. Answering from
 * `reminder_subscriptions` scanned every subscription each time: 10,000 confirmations cost
 * O(n²) (README, Benchmarks: fanout set-up). A count per lead time answers both in O(lead times).
 */
export class ReminderLeadTimes1764375700000 implements MigrationInterface {
  name = 'ReminderLeadTimes1764375700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reminder_lead_times (
        lead_time   text PRIMARY KEY,
        -- Confirmed, active subscriptions that chose this lead time.
        subscribers integer NOT NULL CHECK (subscribers >= 0)
      )`);
    await q.query(`
      INSERT INTO reminder_lead_times (lead_time, subscribers)
      SELECT l, count(*) FROM reminder_subscriptions, LATERAL (SELECT DISTINCT unnest(lead_times) AS l) x
       WHERE confirmed AND active GROUP BY l`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reminder_lead_times');
  }
}
