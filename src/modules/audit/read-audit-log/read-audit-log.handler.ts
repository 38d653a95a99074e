import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { eventView } from '../../../events/envelope';
import { AuditLogReader } from '../../../events/audit-log.reader';
import { AuditLogPage, ReadAuditLogQuery } from './read-audit-log.query';

@QueryHandler(ReadAuditLogQuery)
export class ReadAuditLogHandler implements IQueryHandler<ReadAuditLogQuery> {
  constructor(private readonly reader: AuditLogReader) {}

  async execute({ filters, after, limit }: ReadAuditLogQuery): Promise<AuditLogPage> {
    const rows = await this.reader.page(filters, after, limit);
    const items = rows.slice(0, limit).map((r) => eventView(this.reader.toStored(r)));
    return { items, nextAfter: rows.length > limit ? items[items.length - 1].position : null };
  }
}
