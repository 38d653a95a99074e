import { Injectable } from '@nestjs/common';
import { CalendarReadModel, PROJECTION_NAME, SyncPoint } from './calendar.read-model';
import { ReadModelWaiter } from '../../../projections/read-model.waiter';
import { ReadRouting } from '../../../database/read-routing';

/**
 * The calendar view's version (generation, highest change_seq) without a query per request:
 * read once, then trusted until the calendar projection reports a commit (its NOTIFY, which
 * PostgreSQL delivers after the commit), a reader in this process waited for the view to reach
 * a write (X-Min-Log-Position: the waiter reports it, so what that reader reads next is at
 * least as new), or the LISTEN connection drops. Without LISTEN every call reads the database.
 * Otherwise a read may see the version a notification's flight time old: the same staleness as
 * the read model's own lag.
 */
@Injectable()
export class ViewVersion {
  private known: SyncPoint | null = null;
  private knownParked: ReadonlySet<string> | null = null;
  /** Bumped by every invalidation, so a read that was in flight across one is not kept. */
  private epoch = 0;
  private listening = false;

  constructor(
    private readonly model: CalendarReadModel,
    private readonly waiter: ReadModelWaiter,
    private readonly reads: ReadRouting,
  ) {
    waiter.onProgress((checkpoint) => {
      if (checkpoint === PROJECTION_NAME) this.invalidate();
    });
    waiter.onListening((up) => {
      this.listening = up;
      this.invalidate();
    });
  }

  /** The version as last read, or from the database when it may have moved since. */
  current(): Promise<SyncPoint> {
    this.waiter.listenForProgress();
    return this.known ? Promise.resolve(this.known) : this.read();
  }

  /** From the database, kept for `current` when nothing moved meanwhile. */
  private async read(): Promise<SyncPoint> {
    const epoch = this.epoch;
    const v = await this.model.version();
    // Notifications come from the primary; a replica may not have replayed the commit yet, so
    // a version read there is never trusted beyond this read.
    if (this.listening && epoch === this.epoch && !this.reads.replicated) this.known = v;
    return v;
  }

  /**
   * The events the view has parked, kept like the version: a stream is parked (or released) in
   * a projection batch or a retry, whose commit notifies as any other.
   */
  async parked(): Promise<ReadonlySet<string>> {
    this.waiter.listenForProgress();
    if (this.knownParked) return this.knownParked;
    const epoch = this.epoch;
    const ids = new Set(await this.model.parkedEventIds());
    if (this.listening && epoch === this.epoch) this.knownParked = ids;
    return ids;
  }

  private invalidate(): void {
    this.epoch++;
    this.known = null;
    this.knownParked = null;
  }
}
