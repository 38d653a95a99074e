import { Query } from '@nestjs/cqrs';
import type { LogFilters } from '../../../events/audit-log.reader';

/** The log (or its filtered part) as NDJSON lines, produced lazily: pull one, read one batch. */
export class ExportLogQuery extends Query<AsyncGenerator<string>> {
  constructor(readonly filters: LogFilters) {
    super();
  }
}
