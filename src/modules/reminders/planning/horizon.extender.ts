import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { lockKey } from '../../../projections/projection.runner';
import type { CalendarEventState } from '../../scheduling/domain/calendar-event';
import { HORIZON_MARGIN_MS, REMINDER_HORIZON_MS } from '../domain/occurrence-plan';
import { ReminderScheduler } from './reminder.scheduler';
import { planOccurrences } from './series-plan';
import { EVENTS_TABLE, EXTENDED_POSITION, LEAD_TIMES_TABLE, PLAN_TABLE, PlanRow, REMINDER_PLAN_PROJECTION } from './tables';

/** Series moved on per transaction: short transactions, as the projection waits on the same lock. */
const SERIES_PER_TRANSACTION = 200;

/**
 * Moves each live series' rolling horizon on (wall clock: this is the one step of planning that
 * is not derived from the log). A series is extended once less than the longest lead time plus
 * half the margin is planned, up to now + the full horizon, so the rows of an instance exist
 * days before its earliest reminder is due. It holds the projection's own lock, so it never
 * interleaves with a batch of the live projection; rows it adds carry EXTENDED_POSITION and it
 * asserts their jobs itself after commit.
 */
@Injectable()
export class HorizonExtender {
  private readonly logger = new Logger(HorizonExtender.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scheduler: ReminderScheduler,
  ) {}

  async extend(now = new Date()): Promise<{ series: number; planned: number }> {
    const until = new Date(now.getTime() + REMINDER_HORIZON_MS);
    const due = new Date(until.getTime() - HORIZON_MARGIN_MS / 2);
    let series = 0;
    let planned = 0;
    for (;;) {
      const { moved, rows } = await this.db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1)) FROM (SELECT set_config('lock_timeout', '5s', true)) AS t`, [lockKey(REMINDER_PLAN_PROJECTION)]);
        const batch: { event_id: string; series: CalendarEventState; horizon_until: Date; version: number }[] = await tx.query(
          `SELECT event_id, series, horizon_until, version FROM ${EVENTS_TABLE}
            WHERE status = 'series' AND series->>'status' = 'scheduled' AND horizon_until < $1
            ORDER BY horizon_until, event_id LIMIT $2 FOR UPDATE`,
          [due, SERIES_PER_TRANSACTION],
        );
        if (batch.length === 0) return { moved: 0, rows: [] as PlanRow[] };
        const leadTimes: string[] = (await tx.query(`SELECT lead_time FROM ${LEAD_TIMES_TABLE} WHERE subscribers > 0 ORDER BY 1`)).map((r: { lead_time: string }) => r.lead_time);
        const rows: PlanRow[] = [];
        for (const s of batch) {
          const after = Math.max(s.horizon_until.getTime(), now.getTime());
          const target = { tx, planTable: PLAN_TABLE, eventId: s.event_id, version: s.version, position: EXTENDED_POSITION };
          rows.push(...(await planOccurrences(target, s.series, after, until.getTime(), leadTimes, false)));
        }
        await tx.query(`UPDATE ${EVENTS_TABLE} SET horizon_until = $2 WHERE event_id = ANY($1::uuid[])`, [batch.map((s) => s.event_id), until]);
        return { moved: batch.length, rows };
      });
      if (moved === 0) break;
      series += moved;
      planned += rows.length;
      // Delays count from the real clock, whatever `now` the horizon was measured from.
      await this.scheduler.add(rows, [], new Date());
      if (moved < SERIES_PER_TRANSACTION) break;
    }
    if (series) this.logger.log({ series, planned, until: until.toISOString() }, 'reminder horizon extended');
    return { series, planned };
  }
}
