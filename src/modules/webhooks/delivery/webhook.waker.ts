import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { EventStore } from '../../../events/event-store.port';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { RedisClient } from '../../../jobs/redis-client';
import { CALENDAR_EVENT_STREAM_PREFIX } from '../../scheduling/domain/events';
import { EndpointsRepository } from '../endpoints.repository';
import { coalesced } from '../../../common/coalesce';

export interface DeliverJobPayload {
  endpointId: string;
}

/** Deterministic: one waiting, active or backing-off job per endpoint; wake-ups fold into it. */
export const deliverJobId = (endpointId: string): string => `deliver-${endpointId}`;

/** Active endpoints are looked up at most this often per process to wake them after appends. */
const ACTIVE_TTL_MS = 2000;

/**
 * Wakes endpoints' delivery jobs after appends of calendar events (a hint: the log is the
 * truth, and the periodic sweep covers a lost wake-up). An endpoint backing off after a failure
 * keeps its delayed job, so waking it changes nothing until its next attempt is due.
 */
@Injectable()
export class WebhookWaker implements OnModuleInit {
  private readonly logger = new Logger(WebhookWaker.name);
  private active: { ids: string[]; at: number } | null = null;

  constructor(
    @InjectQueue(QUEUES.webhooks) private readonly queue: Queue,
    private readonly store: EventStore,
    private readonly endpoints: EndpointsRepository,
    private readonly redis: RedisClient,
  ) {}

  onModuleInit(): void {
    this.store.onAppended((r) => {
      if (r.events.some((e) => e.streamId.startsWith(CALENDAR_EVENT_STREAM_PREFIX))) return this.wakeAfterAppend();
    });
  }

  /** Appends committed while a round of wake-ups is under way fold into one more round. */
  private readonly wakeAfterAppend = coalesced(() => this.wakeActive(false));

  /** Every active endpoint; `fresh` reads the list from the database instead of the short-lived copy. */
  async wakeActive(fresh = true): Promise<void> {
    if (fresh || !this.active || Date.now() - this.active.at > ACTIVE_TTL_MS) {
      this.active = { ids: (await this.endpoints.list('active')).map((e) => e.id), at: Date.now() };
    }
    await Promise.all(this.active.ids.map((id) => this.wake(id)));
  }

  /** An endpoint was added, resumed or paused here: the next append looks the active ones up again. */
  forgetActive(): void {
    this.active = null;
  }

  dirtyKey(endpointId: string): string {
    return this.redis.key(QUEUES.webhooks, 'dirty', endpointId);
  }

  async wake(endpointId: string): Promise<void> {
    await this.redis.redis.set(this.dirtyKey(endpointId), '1', 'EX', 3600);
    await this.queue.add(JOBS.webhooks.deliver, { endpointId } satisfies DeliverJobPayload, {
      jobId: deliverJobId(endpointId),
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  /**
   * After an admin resumed, replayed or changed an endpoint: send now, even if its job waits
   * out a backoff (the failure state it waited for was cleared).
   */
  async kick(endpointId: string): Promise<void> {
    this.forgetActive();
    try {
      const job = await this.queue.getJob(deliverJobId(endpointId));
      if (job && (await job.isDelayed())) await job.promote();
      await this.wake(endpointId);
    } catch (err) {
      // The sweep wakes it within seconds; an admin action never fails for Redis.
      this.logger.warn({ err, endpointId }, 'could not wake a webhook endpoint; the sweep will');
    }
  }

  /** The job re-reads when this was set while it ran (its own wake-up folded into it). */
  async isDirty(endpointId: string, clear = false): Promise<boolean> {
    const r = this.redis.redis;
    const v = clear ? await r.getdel(this.dirtyKey(endpointId)) : await r.get(this.dirtyKey(endpointId));
    return v !== null;
  }
}
