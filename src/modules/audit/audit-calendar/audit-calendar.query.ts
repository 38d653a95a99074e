import { Query } from '@nestjs/cqrs';
import type { CalendarFilters } from '../../calendar/read-model/calendar.read-model';
import type { EventRepresentation } from '../../scheduling/event-representation';

export interface AuditCalendarItem extends EventRepresentation {
  /** The change that produced this version: when it was recorded, by whom, what it was. */
  lastChange: { type: string; actor: string | null; recordedAt: string; position: string };
}

export interface AuditCalendarPage {
  asOf: string;
  items: AuditCalendarItem[];
  nextCursor: string | null;
}

/** The calendar as recorded at `asOf`, with the filters of GET /v1/events. */
export class AuditCalendarQuery extends Query<AuditCalendarPage> {
  constructor(
    readonly asOf: Date,
    readonly filters: CalendarFilters,
    readonly limit: number,
    readonly cursor: string | null,
  ) {
    super();
  }
}
