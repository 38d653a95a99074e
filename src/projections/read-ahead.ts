import { LogCheckpoint, LoggedEvent, compareCheckpoints } from '../events/envelope';

/**
 * A replay's next page of the log, read on another connection while the current batch folds and
 * writes: PostgreSQL's read then runs beside the process's fold instead of after it.
 *
 * A page read ahead is what the batch's own read would return only when it is full: every row it
 * holds is below the horizon of its snapshot, so no row sorting before its last can commit later,
 * and a later read after the same checkpoint returns the same rows. A short page may have been cut
 * by the horizon or by the head of the log at an earlier snapshot: it is dropped and read again.
 * So is a page read after another checkpoint than the one the batch finds (locked) in its slot.
 */
export class ReadAhead<E extends LoggedEvent = LoggedEvent> {
  private next: { after: LogCheckpoint; limit: number; rows: Promise<E[] | null> } | null = null;

  constructor(private readonly read: (after: LogCheckpoint, limit: number) => Promise<E[]>) {}

  /** Starts reading the page after `after`; a failure only means the batch reads it itself. */
  start(after: LogCheckpoint, limit: number): void {
    this.next = { after, limit, rows: this.read(after, limit).catch(() => null) };
  }

  /** The page read ahead after `after`, if it is the one a read now would return; else null (read it yourself). */
  async take(after: LogCheckpoint, limit: number): Promise<E[] | null> {
    const next = this.next;
    this.next = null;
    if (!next || next.limit !== limit || compareCheckpoints(next.after, after) !== 0) return null;
    const rows = await next.rows;
    return rows && rows.length === limit ? rows : null;
  }
}
