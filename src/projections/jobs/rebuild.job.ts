import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../jobs/job-handler';
import { ProjectionRebuilder, RebuildReport } from '../projection.rebuilder';

export interface RebuildJobPayload {
  projection: string;
  verify: boolean;
}

export const rebuildJobId = (projection: string): string => `rebuild-${projection}`;

@Injectable()
@JobHandler(QUEUES.projections, JOBS.projections.rebuild)
export class RebuildJob implements HandlesJob<RebuildJobPayload, RebuildReport> {
  constructor(private readonly rebuilder: ProjectionRebuilder) {}

  handle(job: Job<RebuildJobPayload>): Promise<RebuildReport> {
    return this.rebuilder.rebuild(job.data.projection, {
      verify: job.data.verify,
      onProgress: (done, total) => void job.updateProgress({ done, total }).catch(() => undefined),
    });
  }
}
