import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { EventStore } from '../../events/event-store.port';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../jobs/job-handler';
import { Checkpoints, cp } from '../checkpoints';
import { compareCheckpoints } from '../../events/envelope';
import { ProjectionRegistry } from '../projection.registry';
import { ProjectionRunner } from '../projection.runner';
import type { Projection } from '../projection';
import { ALL_PROJECTIONS, ProjectJobPayload, ProjectionWaker } from '../projection.waker';

/** How long a job keeps waiting for in-flight transactions before leaving it to the next wake. */
const MAX_WAIT_FOR_IN_FLIGHT_MS = 3000;

/**
 * Brings one projection (or, for ALL_PROJECTIONS, every projection together, one transaction a
 * round) up to the log. At-least-once and idempotent: the checkpoint moves in the same transaction as the
 * writes, so running it twice applies nothing twice.
 */
@Injectable()
@JobHandler(QUEUES.projections, JOBS.projections.project)
export class ProjectJob implements HandlesJob<ProjectJobPayload> {
  constructor(
    private readonly registry: ProjectionRegistry,
    private readonly runner: ProjectionRunner,
    private readonly waker: ProjectionWaker,
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: EventStore,
  ) {}

  async handle(job: Job<ProjectJobPayload>): Promise<{ applied: number }> {
    const name = job.data.projection;
    const one = name === ALL_PROJECTIONS ? null : this.registry.get(name);
    if (name !== ALL_PROJECTIONS && !one) return { applied: 0 };
    let running: Projection[] = one ? [one] : this.registry.all();
    const deadline = Date.now() + MAX_WAIT_FOR_IN_FLIGHT_MS;
    let applied = 0;
    for (;;) {
      await this.waker.isDirty(name, true);
      // Every projection in one transaction a round (see catchUpAll).
      const results = await this.runner.catchUpAll(running);
      for (const r of results.values()) applied += r.applied;
      running = running.filter((p) => !results.get(p.name)!.stopped);
      if (running.length === 0) return { applied };
      // A flag raised meanwhile concerns every projection still running.
      if (await this.waker.isDirty(name)) continue;
      // Committed events not yet readable sit behind an older transaction still in flight;
      // wait for it to end rather than leave them to the sweep (never skip them).
      if (Date.now() < deadline && (await this.hasUnreadable(running))) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      return { applied };
    }
  }

  /** Whether any committed event lies beyond the lowest of their checkpoints (two statements, however many projections). */
  private async hasUnreadable(ps: readonly Projection[]): Promise<boolean> {
    const rows = await Checkpoints.many(
      this.db.manager,
      ps.map((p) => p.name),
    );
    if (rows.length === 0) return false;
    return this.store.hasAfter(rows.map(cp).reduce((a, b) => (compareCheckpoints(a, b) <= 0 ? a : b)));
  }
}
