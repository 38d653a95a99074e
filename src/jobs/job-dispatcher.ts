import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
// nestjs-pino 4 (the line that supports Node 20) has no `runInContext`; its request store is this one.
import { Store, storage } from 'nestjs-pino/storage';
import { JOBS, QUEUES, QueueName } from './catalog';
import { HandlesJob, JOB_HANDLER_METADATA, JobHandlerMeta } from './job-handler';

/** Routes a queue's jobs to their handler classes; refuses to start with a job unhandled. */
@Injectable()
export class JobDispatcher implements OnModuleInit {
  private readonly handlers = new Map<string, HandlesJob>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly logger: PinoLogger,
  ) {}

  onModuleInit(): void {
    for (const w of this.discovery.getProviders()) {
      if (!w.instance || !w.metatype) continue;
      const meta = this.reflector.get<JobHandlerMeta | undefined>(JOB_HANDLER_METADATA, w.metatype);
      if (!meta) continue;
      const key = `${meta.queue}/${meta.name}`;
      if (this.handlers.has(key)) throw new Error(`job ${key} has two handlers`);
      this.handlers.set(key, w.instance as HandlesJob);
    }
  }

  /** Every job of the catalog on the given queues must have a handler in this process. */
  assertComplete(queues: QueueName[]): void {
    const missing: string[] = [];
    for (const [q, jobs] of Object.entries(JOBS) as [keyof typeof QUEUES, Record<string, string>][]) {
      if (!queues.includes(QUEUES[q])) continue;
      for (const name of Object.values(jobs)) if (!this.handlers.has(`${QUEUES[q]}/${name}`)) missing.push(`${QUEUES[q]}/${name}`);
    }
    if (missing.length) throw new Error(`no handler for job(s): ${missing.join(', ')}`);
  }

  dispatch(queue: QueueName, job: Job, token?: string): Promise<unknown> {
    const h = this.handlers.get(`${queue}/${job.name}`);
    if (!h) throw new Error(`no handler for job ${queue}/${job.name}`);
    // Every log line of the job carries its id and the correlation id of the request that
    // caused it (payloads carry `correlationId` when they have one), like a request's lines do.
    const correlationId = (job.data as { correlationId?: unknown } | undefined)?.correlationId;
    const bindings = { queue, job: job.name, jobId: job.id, ...(typeof correlationId === 'string' ? { correlationId } : {}) };
    // Outside a request `logger.logger` is the process's root pino logger (PinoLogger.root is
    // set only where the HTTP middleware runs, so not in a worker process).
    return storage.run(new Store(this.logger.logger.child(bindings)), () => h.handle(job, token));
  }
}
