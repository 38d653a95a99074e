import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../jobs/job-handler';
import { LocalProjectionWakes } from '../local-wakes';
import { ProjectionCatchUp } from '../projection.catch-up';
import { ALL_PROJECTIONS, ProjectJobPayload, ProjectionWaker } from '../projection.waker';

/** The queue's wake-up (after appends in another process, the periodic sweep, a retry): see ProjectionCatchUp. */
@Injectable()
@JobHandler(QUEUES.projections, JOBS.projections.project)
export class ProjectJob implements HandlesJob<ProjectJobPayload> {
  constructor(
    private readonly catchUp: ProjectionCatchUp,
    private readonly waker: ProjectionWaker,
    private readonly local: LocalProjectionWakes,
  ) {}

  async handle(job: Job<ProjectJobPayload>): Promise<{ applied: number }> {
    const name = job.data.projection;
    // Where appends wake the projections in the process, the job joins that run rather than
    // racing it for the same locks (a round would find every projection busy and go one by one).
    if (name === ALL_PROJECTIONS && this.local.inUse) {
      await this.local.runNow();
      return { applied: 0 };
    }
    return this.catchUp.bringUp(name, (clear) => this.waker.isDirty(name, clear));
  }
}
