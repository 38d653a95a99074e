import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ProjectionCatchUp } from './projection.catch-up';
import { ALL_PROJECTIONS, ProjectionWaker } from './projection.waker';

/**
 * Wake-ups that arrive inside the process (from the API thread of `all`) rather than as a job:
 * the same work as the projections job, with an in-memory flag instead of the Redis one. One run
 * at a time; wake-ups during a run fold into one more round. Running beside a job of another
 * process is safe (the runner's locks and checkpoints make every event apply once); a run that
 * fails hands the wake-up to the queue, whose job retries with backoff.
 */
@Injectable()
export class LocalProjectionWakes implements OnModuleDestroy {
  private readonly logger = new Logger(LocalProjectionWakes.name);
  private dirty = false;
  private running: Promise<void> | null = null;
  private closed = false;
  /** Whether wake-ups come this way at all (set by the first one). */
  inUse = false;

  constructor(
    private readonly catchUp: ProjectionCatchUp,
    private readonly waker: ProjectionWaker,
  ) {}

  wake(): void {
    this.inUse = true;
    this.dirty = true;
    if (this.running || this.closed) return;
    this.running = this.drive()
      .catch(async (err: unknown) => {
        this.dirty = false;
        this.logger.warn({ err }, 'projections woken in the process failed; handed to the projections queue');
        await this.waker.wakeAll().catch((e: unknown) => this.logger.warn({ err: e }, 'could not queue the wake-up either; the periodic sweep will'));
      })
      .finally(() => (this.running = null));
  }

  /** A job's wake-up: one more round in the run under way (or a new run), resolved when it has ended; its failure is the job's. */
  async runNow(): Promise<void> {
    this.dirty = true;
    while (this.running) await this.running;
    if (this.closed || !this.dirty) return;
    const run = this.drive();
    this.running = run.catch(() => undefined).finally(() => (this.running = null));
    await run;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async drive(): Promise<void> {
    const isDirty = (clear: boolean) => {
      const was = this.dirty;
      if (clear) this.dirty = false;
      return was;
    };
    // A wake-up after the run's last look at the flag is not lost: it runs again.
    do await this.catchUp.bringUp(ALL_PROJECTIONS, isDirty);
    while (this.dirty && !this.closed);
  }
}
