import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AuditLogReader } from '../../../events/audit-log.reader';
import { TransparencyService } from '../transparency/transparency.service';
import { TreeRepository } from '../transparency/tree.repository';
import { exportLines } from './export-lines';
import { ExportLogQuery } from './export-log.query';

@QueryHandler(ExportLogQuery)
export class ExportLogHandler implements IQueryHandler<ExportLogQuery> {
  constructor(
    private readonly reader: AuditLogReader,
    private readonly tree: TreeRepository,
    private readonly transparency: TransparencyService,
  ) {}

  async execute({ filters }: ExportLogQuery): Promise<AsyncGenerator<string>> {
    const { tree, transparency } = this;
    return exportLines(this.reader, filters, {
      leavesByPositions: (p) => tree.leavesByPositions(p),
      orphanedLeaves: () => tree.orphanedLeaves(),
      verifierKey: () => transparency.verifierKey(),
    });
  }
}
