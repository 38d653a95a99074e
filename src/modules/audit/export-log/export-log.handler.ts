import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AuditLogReader } from '../log/audit-log.reader';
import { exportLines } from './export-lines';
import { ExportLogQuery } from './export-log.query';

@QueryHandler(ExportLogQuery)
export class ExportLogHandler implements IQueryHandler<ExportLogQuery> {
  constructor(private readonly reader: AuditLogReader) {}

  async execute({ filters }: ExportLogQuery): Promise<AsyncGenerator<string>> {
    return exportLines(this.reader, filters);
  }
}
