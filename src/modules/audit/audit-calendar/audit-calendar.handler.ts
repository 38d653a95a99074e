import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { badCursor, fingerprint } from '../../calendar/read-model/page-tokens';
import { represent } from '../../scheduling/event-representation';
import { CalendarHistoryReadModel } from '../history/calendar-history.read-model';
import { stateOf } from '../../calendar/read-model/calendar-row';
import { HistoryRow } from '../history/history-row';
import { AuditCalendarItem, AuditCalendarPage, AuditCalendarQuery } from './audit-calendar.query';
import { isUuid } from '../../../common/ids';


interface Cursor {
  f: string;
  t: string;
  i: string;
}

/** Keyset pages over (starts_at, id) of the versions valid at `asOf`: stable, since the past does not change. */
@QueryHandler(AuditCalendarQuery)
export class AuditCalendarHandler implements IQueryHandler<AuditCalendarQuery> {
  constructor(private readonly history: CalendarHistoryReadModel) {}

  async execute({ asOf, filters, limit, cursor }: AuditCalendarQuery): Promise<AuditCalendarPage> {
    const f = fingerprint({ asOf: asOf.toISOString(), ...filters });
    const after = cursor === null ? null : decode(cursor, f);
    const rows = await this.history.pageAsOf(asOf, filters, limit, after);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > limit ? encode({ f, t: last.starts_at.toISOString(), i: last.id }) : null;
    return { asOf: asOf.toISOString(), items: items.map(item), nextCursor };
  }
}

function item(r: HistoryRow): AuditCalendarItem {
  return {
    ...represent(r.id, stateOf(r), r.version),
    lastChange: { type: r.event_type, actor: r.actor, recordedAt: r.valid_from.toISOString(), position: r.position },
  };
}

const encode = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode(raw: string, f: string): { startsAt: string; id: string } {
  let v: Partial<Cursor> | null = null;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    /* reported below */
  }
  if (!v || typeof v.t !== 'string' || Number.isNaN(Date.parse(v.t)) || typeof v.i !== 'string' || !isUuid(v.i) || typeof v.f !== 'string') {
    throw badCursor('is not a cursor this API issued; start again without it');
  }
  if (v.f !== f) throw badCursor('was issued for another asOf or other filters; send the same ones as the first page, or start again without cursor');
  return { startsAt: v.t, id: v.i };
}
