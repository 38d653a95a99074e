import { Command } from '@nestjs/cqrs';
import type { EventMetadata } from '../../../events/envelope';
import type { EventTime } from '../domain/time';

export interface ImportedRow {
  line: number;
  id: string;
  title: string;
  location: { city: string; country: string; venue: null };
  start: EventTime;
  end: EventTime;
  /** What the event became (created rows): its zone and UTC instants. */
  timeZone?: string;
  startsAt?: string;
  endsAt?: string;
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
  /** Position of the last event the import appended ('0' when it appended none, as a preview never does). */
  position: string;
}

/** Schedules every row of a listing in the office's "When Where" format. */
export class ImportListingCommand extends Command<ImportReport> {
  constructor(
    readonly text: string,
    readonly metadata: EventMetadata,
    /** Called after each row, for progress bars. */
    readonly onProgress?: (done: number, total: number) => void,
    /** Decide every row as the import would, append nothing: the same report, position '0'. */
    readonly preview = false,
  ) {
    super();
  }
}
