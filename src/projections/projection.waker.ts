import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JOBS, QUEUES } from '../jobs/catalog';
import { EventStore } from '../events/event-store.port';
import { RedisClient } from '../jobs/redis-client';
import { ProjectionRegistry } from './projection.registry';
import { coalesced } from '../common/coalesce';

export interface ProjectJobPayload {
  /** A projection's name, or ALL_PROJECTIONS: one job that brings every projection up. */
  projection: string;
}

/** The payload (and dirty flag) of the wake-up after appends: one job for every projection. */
export const ALL_PROJECTIONS = '*';

/** Deterministic: one waiting-or-active job per projection; further wake-ups fold into it. */
export const projectJobId = (projection: string): string => `project-${projection}`;

/**
 * After each append commits, wake every projection. The wake is a hint, never the source of
 * truth: the log is. A wake-up lost (Redis down) is covered by the periodic sweep.
 */
@Injectable()
export class ProjectionWaker implements OnModuleInit {
  constructor(
    @InjectQueue(QUEUES.projections) private readonly queue: Queue,
    private readonly registry: ProjectionRegistry,
    private readonly store: EventStore,
    private readonly redis: RedisClient,
  ) {}

  onModuleInit(): void {
    this.store.onAppended(() => this.wakeAfterAppend());
  }

  /**
   * Appends that commit while a wake-up is under way fold into ONE more, started after it
   * ends (so after their commits): under load a process sends one round of wake-ups per round
   * trip to Redis, not one per append (8 Redis commands each with four projections).
   */
  private readonly wakeAfterAppend = coalesced(() => this.wakeAll());

  /** The job re-reads when this flag was raised while it ran (its own wake-up was folded). */
  dirtyKey(projection: string): string {
    return this.redis.key(QUEUES.projections, 'dirty', projection);
  }

  /**
   * One job for every projection (not one per projection): a wake-up costs one flag and one
   * job in Redis, and the job applies each projection that has work.
   */
  async wakeAll(): Promise<void> {
    await this.wake(ALL_PROJECTIONS);
  }

  async wake(projection: string): Promise<void> {
    await this.redis.redis.set(this.dirtyKey(projection), '1');
    await this.queue.add(JOBS.projections.project, { projection } satisfies ProjectJobPayload, {
      jobId: projectJobId(projection),
      removeOnComplete: true,
      // Failures are recorded in projection_checkpoints; keeping the job would block the id.
      removeOnFail: true,
      attempts: 5,
      backoff: { type: 'exponential', delay: 200 },
    });
  }

  async isDirty(projection: string, clear = false): Promise<boolean> {
    const r = this.redis.redis;
    const v = clear ? await r.getdel(this.dirtyKey(projection)) : await r.get(this.dirtyKey(projection));
    return v !== null;
  }
}
