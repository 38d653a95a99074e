import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { VerifyReport } from '../verification/chain-verifier';
import { AuditLogReader } from '../../../events/audit-log.reader';
import { verifyDatabase } from './verify-database';
import { VerifyLogQuery } from './verify-log.query';

@QueryHandler(VerifyLogQuery)
export class VerifyLogHandler implements IQueryHandler<VerifyLogQuery> {
  constructor(private readonly reader: AuditLogReader) {}

  execute(): Promise<VerifyReport> {
    return verifyDatabase(this.reader);
  }
}
