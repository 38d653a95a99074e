import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ParkedStreams } from '../../../projections/parked-streams';
import { calendarEventStream } from '../../scheduling/domain/events';
import { PLAN_TABLE, PlanRow, REMINDER_PLAN_PROJECTION } from './tables';

/** Reads of the live plan (the projection alone writes it). */
@Injectable()
export class ReminderPlanReader {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The row of a single event (`occurrence` '') or of one instance of a series. */
  async get(eventId: string, leadTime: string, occurrence = ''): Promise<PlanRow | undefined> {
    const rows: PlanRow[] = await this.db.query(
      `SELECT event_id, occurrence, lead_time, due_at, start_at, event_version, status FROM ${PLAN_TABLE} WHERE event_id = $1 AND occurrence = $3 AND lead_time = $2`,
      [eventId, leadTime, occurrence],
    );
    return rows[0];
  }

  /**
   * Whether the calendar view or the plan has parked this event's stream: its plan and view may
   * stop before a reschedule or cancel, so nothing may be sent from them until an operator acts.
   */
  parked(eventId: string): Promise<boolean> {
    return ParkedStreams.isParked(this.db.manager, ['calendar', REMINDER_PLAN_PROJECTION], calendarEventStream(eventId));
  }
}
