import { Query } from '@nestjs/cqrs';
import type { LogFilters } from '../../../events/audit-log.reader';

export interface AuditLogItem {
  position: string;
  id: string;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface AuditLogPage {
  items: AuditLogItem[];
  /** The position to pass as `after` for the next page; null when this page is the last. */
  nextAfter: string | null;
  /** On a page read with `before`: the position to pass as `before` for the page before it; null when none precedes it. */
  prevBefore?: string | null;
}

/**
 * A page of the global log in position order, data upcast to the current schema: the entries
 * after `after`, or with `before` those just before it ('end': the latest).
 */
export class ReadAuditLogQuery extends Query<AuditLogPage> {
  constructor(
    readonly filters: LogFilters,
    readonly after: string,
    readonly limit: number,
    readonly before?: string,
  ) {
    super();
  }
}
