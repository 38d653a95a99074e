import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { EventStore } from '../../events/event-store.port';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../jobs/job-handler';
import { Checkpoints } from '../checkpoints';
import { ProjectionRegistry } from '../projection.registry';
import { ProjectionRunner } from '../projection.runner';
import type { Projection } from '../projection';
import { ALL_PROJECTIONS, ProjectJobPayload, ProjectionWaker } from '../projection.waker';

/** How long a job keeps waiting for in-flight transactions before leaving it to the next wake. */
const MAX_WAIT_FOR_IN_FLIGHT_MS = 3000;

/**
 * Brings one projection (or, for ALL_PROJECTIONS, every projection side by side) up to the
 * log. At-least-once and idempotent: the checkpoint moves in the same transaction as the
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
    let active = running;
    const deadline = Date.now() + MAX_WAIT_FOR_IN_FLIGHT_MS;
    let applied = 0;
    for (;;) {
      await this.waker.isDirty(name, true);
      const results = await Promise.all(active.map((p) => this.runner.catchUp(p, 'live')));
      applied += results.reduce((n, r) => n + r.applied, 0);
      const stopped = new Set(active.filter((_, i) => results[i].stopped));
      running = running.filter((p) => !stopped.has(p));
      if (running.length === 0) return { applied };
      // A flag raised meanwhile concerns every projection still running.
      active = running;
      if (await this.waker.isDirty(name)) continue;
      // Committed events not yet readable sit behind an older transaction still in flight;
      // wait for it to end rather than leave them to the sweep (never skip them).
      if (Date.now() < deadline) {
        const behind = await Promise.all(running.map((p) => this.hasUnreadable(p.name)));
        if (behind.some(Boolean)) {
          active = running.filter((_, i) => behind[i]);
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
      }
      return { applied };
    }
  }

  private async hasUnreadable(name: string): Promise<boolean> {
    const c = await Checkpoints.get(this.db.manager, name);
    if (!c) return false;
    return this.store.hasAfter(c);
  }
}
