import { SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { QueueName } from './catalog';

export const JOB_HANDLER_METADATA = 'almanac:job-handler';

export interface JobHandlerMeta {
  queue: QueueName;
  name: string;
}

/** One class per job: `@JobHandler(QUEUES.x, JOBS.x.y)` on a class implementing `handle`. */
export const JobHandler = (queue: QueueName, name: string) => SetMetadata(JOB_HANDLER_METADATA, { queue, name } satisfies JobHandlerMeta);

export interface HandlesJob<P = unknown, R = unknown> {
  /** `token`: the worker's lock on the job, for handlers that move their job (e.g. `moveToDelayed`). */
  handle(job: Job<P>, token?: string): Promise<R>;
}
