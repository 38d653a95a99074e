import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { eventView } from '../../../events/envelope';
import { AuditLogReader } from '../../../events/audit-log.reader';
import { AuditLogPage, ReadAuditLogQuery } from './read-audit-log.query';

@QueryHandler(ReadAuditLogQuery)
export class ReadAuditLogHandler implements IQueryHandler<ReadAuditLogQuery> {
  constructor(private readonly reader: AuditLogReader) {}

  async execute({ filters, after, limit, before }: ReadAuditLogQuery): Promise<AuditLogPage> {
    if (before !== undefined) {
      const rows = await this.reader.pageBefore(filters, before === 'end' ? null : before, limit);
      const items = rows
        .slice(0, limit)
        .reverse()
        .map((r) => eventView(this.reader.toStored(r)));
      // The page ends where `before` was: what follows starts after its last entry (at the end, nothing yet).
      const nextAfter = before === 'end' ? null : (items[items.length - 1]?.position ?? (BigInt(before) > 0n ? BigInt(before) - 1n : 0n).toString());
      return { items, nextAfter, prevBefore: rows.length > limit ? items[0].position : null };
    }
    const rows = await this.reader.page(filters, after, limit);
    const items = rows.slice(0, limit).map((r) => eventView(this.reader.toStored(r)));
    return { items, nextAfter: rows.length > limit ? items[items.length - 1].position : null };
  }
}
