import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../../events/envelope';

export interface ImportedRow {
  line: number;
  id: string;
  title: string;
}
export interface FailedRow {
  line: number;
  text: string;
  reason: string;
}
export interface ImportReport {
  created: ImportedRow[];
  skipped: (ImportedRow & { reason: string })[];
  failed: FailedRow[];
  /** Position of the last event the import appended ('0' when it appended none). */
  position: string;
}

/** Schedules every row of a listing in the office's "When Where" format. */
export class ImportListingCommand extends Command<ImportReport> {
  constructor(
    readonly text: string,
    readonly metadata: EventMetadata,
    /** Called after each row, for progress bars. */
    readonly onProgress?: (done: number, total: number) => void,
  ) {
    super();
  }
}
