import { Inject, Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { checkpointOf } from '../../../events/envelope';
import { EventStore } from '../../../events/event-store.port';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../../jobs/job-handler';
import { CALENDAR_EVENT_STREAM_PREFIX } from '../../scheduling/domain/events';
import { backoffMs, budgetSpent, signingSecrets } from '../domain/endpoint';
import { DeliveryAttempt, Endpoint, EndpointsRepository, RoundOutcome } from '../endpoints.repository';
import { PauseAlert } from './pause-alert';
import { WebhookCounters } from './webhook-counters';
import { headerSigner, webhookBody } from './webhook-message';
import { WebhookSender } from './webhook-sender';
import { DeliverJobPayload, WebhookWaker } from './webhook.waker';

/** Events read and sent per round; the cursor and the attempts are written once per round. */
const ROUND = 200;
/** How long a job keeps waiting for in-flight transactions before leaving their events to the next wake. */
const MAX_WAIT_FOR_IN_FLIGHT_MS = 3000;

/**
 * Sends one endpoint the calendar events after its cursor, one at a time in log order; the
 * cursor moves only past a 2xx. On a failure the job waits out the backoff as BullMQ's delayed
 * job under the same id (wake-ups cannot cut it short), then retries the same event with the
 * same `webhook-id`; once the retry budget is spent the endpoint is paused, its cursor kept.
 * At-least-once: a crash between a send and the round's write sends those events again.
 */
@Injectable()
@JobHandler(QUEUES.webhooks, JOBS.webhooks.deliver)
export class DeliverJob implements HandlesJob<DeliverJobPayload> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: EventStore,
    private readonly endpoints: EndpointsRepository,
    private readonly sender: WebhookSender,
    private readonly waker: WebhookWaker,
    private readonly counters: WebhookCounters,
    private readonly alert: PauseAlert,
  ) {}

  async handle(job: Job<DeliverJobPayload>, token?: string): Promise<{ sent: number }> {
    const id = job.data.endpointId;
    const waitUntil = Date.now() + MAX_WAIT_FOR_IN_FLIGHT_MS;
    let sent = 0;
    for (;;) {
      await this.waker.isDirty(id, true);
      const e = await this.endpoints.get(id);
      if (!e || e.status !== 'active') return { sent };
      if (e.nextAttemptAt && e.nextAttemptAt.getTime() > Date.now()) return this.delay(job, e.nextAttemptAt, token);
      const filter = { streamPrefix: CALENDAR_EVENT_STREAM_PREFIX, types: e.eventTypes };
      const events = await this.store.readFiltered(e.cursor, ROUND, filter);
      if (events.length === 0) {
        if (await this.waker.isDirty(id)) continue;
        // Committed events not yet readable sit behind an older transaction still in flight:
        // wait a moment for it rather than leave them to the sweep (they are never skipped).
        if (Date.now() < waitUntil && (await this.store.lagAfter(e.cursor, filter)).events > 0) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        return { sent };
      }
      const round = await this.sendRound(e, events);
      const ok = round.attempts.filter((a) => a.ok).length;
      sent += ok;
      const moved = await this.endpoints.recordRound(id, round);
      await this.counters.count(id, ok, round.attempts.length - ok);
      if (!moved) continue; // an admin replayed meanwhile: start again from the new cursor
      if (round.failure && 'pause' in round.failure) {
        await this.alert.endpointPaused({ ...e, cursor: round.to }, round.failure.pause);
        return { sent };
      }
      if (round.failure) return this.delay(job, round.failure.nextAttemptAt, token);
    }
  }

  private async sendRound(e: Endpoint, events: Awaited<ReturnType<EventStore['readAll']>>): Promise<RoundOutcome> {
    const attempts: DeliveryAttempt[] = [];
    const sign = headerSigner(signingSecrets(e, new Date()));
    let to = e.cursor;
    for (const [i, event] of events.entries()) {
      const body = webhookBody(event);
      const r = await this.sender.send(e.url, body, sign(event.id, body, new Date()));
      // The first event of a round is the one earlier rounds may have failed on.
      const attempt = i === 0 ? e.failedAttempts + 1 : 1;
      attempts.push({ eventId: event.id, position: event.position, eventType: event.type, attempt, ok: r.ok, statusCode: r.statusCode, durationMs: r.durationMs, error: r.error });
      if (r.ok) {
        to = checkpointOf(event);
        continue;
      }
      const error = r.error ?? 'failed';
      const failingSince = (i === 0 ? e.failingSince : null) ?? new Date();
      if (budgetSpent(failingSince, new Date(), this.config.WEBHOOKS_RETRY_BUDGET_SECONDS)) {
        return { from: e.cursor, to, attempts, failure: { pause: `failing since ${failingSince.toISOString()} (${attempt} attempts), last: ${error}`, error } };
      }
      return { from: e.cursor, to, attempts, failure: { nextAttemptAt: new Date(Date.now() + backoffMs(attempt, this.config.WEBHOOKS_BACKOFF_SECONDS)), error } };
    }
    return { from: e.cursor, to, attempts, failure: null };
  }

  /** The job waits as a delayed job under its own id; BullMQ runs it again at `until`. */
  private async delay(job: Job, until: Date, token: string | undefined): Promise<never> {
    await job.moveToDelayed(until.getTime(), token);
    throw new DelayedError();
  }
}
