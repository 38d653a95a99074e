import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EventStore } from '../events/event-store.port';
import { QUEUES } from '../jobs/catalog';
import { ListPageCache } from '../modules/calendar/list-events/list-page.cache';
import { EmailCounters } from '../modules/mail/email-counters';
import { EndpointStats, WebhookStats } from '../modules/webhooks/webhook-stats';
import { ProjectionStatusService } from '../projections/projection.status';

interface Snapshot {
  queues: { queue: string; state: string; n: number }[];
  outcomes: { queue: string; outcome: string; n: number }[];
  projections: { name: string; state: string; events: number; seconds: number; parked: number }[];
  emails: Record<string, number>;
  webhooks: EndpointStats[];
}

const EMAIL_STATUSES = ['sent', 'failed', 'skipped'] as const;

type GaugePoint = [Record<string, string>, number];

/**
 * Prometheus metrics, O(1) per scrape. Counters that only this process sees (HTTP, append
 * conflicts) are kept in memory; emails are counted in Redis as deliveries finish (any process
 * reports them); queue depths and projection lag are read into a snapshot at most every
 * METRICS_SNAPSHOT_SECONDS (15 s),
 * in the background of a scrape, so scrapes (however many) never run the expensive queries.
 */
@Injectable()
export class Metrics {
  private readonly logger = new Logger(Metrics.name);
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'almanac_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'almanac_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly conflicts = new Counter({ name: 'almanac_append_conflicts_total', help: 'Appends refused for a wrong expected version', registers: [this.registry] });
  readonly listCache = new Counter({
    name: 'almanac_list_cache_lookups_total',
    help: 'GET /v1/events pages looked up in the page cache, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private snapshot: Snapshot | null = null;
  private takenAt = 0;
  private refreshing: Promise<void> | null = null;
  /** Figures shared by every process are read from Redis and PostgreSQL at most this often. */
  private readonly snapshotMaxAgeMs: number;

  constructor(
    @InjectQueue(QUEUES.projections) projections: Queue,
    @InjectQueue(QUEUES.email) email: Queue,
    @InjectQueue(QUEUES.reminders) reminders: Queue,
    @InjectQueue(QUEUES.subscriptions) subscriptions: Queue,
    @InjectQueue(QUEUES.webhooks) webhooks: Queue,
    private readonly status: ProjectionStatusService,
    private readonly webhookStats: WebhookStats,
    private readonly emailCounts: EmailCounters,
    store: EventStore,
    listPages: ListPageCache,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.snapshotMaxAgeMs = config.METRICS_SNAPSHOT_SECONDS * 1000;
    collectDefaultMetrics({ register: this.registry, prefix: 'almanac_' });
    store.onConflict(() => this.conflicts.inc());
    listPages.onLookup((hit) => this.listCache.inc({ result: hit ? 'hit' : 'miss' }));
    this.queues = [projections, email, reminders, subscriptions, webhooks];
    this.snapshotGauge('almanac_queue_jobs', 'Jobs per queue and state (refreshed at most every METRICS_SNAPSHOT_SECONDS)', ['queue', 'state'], (s) =>
      (s?.queues ?? []).map((q) => [{ queue: q.queue, state: q.state }, q.n]),
    );
    this.snapshotGauge('almanac_queue_job_outcomes', 'Jobs completed and failed per queue (BullMQ metrics, all workers; refreshed at most every METRICS_SNAPSHOT_SECONDS)', ['queue', 'outcome'], (s) =>
      (s?.outcomes ?? []).map((o) => [{ queue: o.queue, outcome: o.outcome }, o.n]),
    );
    this.snapshotGauge(
      'almanac_projection_lag_events',
      'Events in the log not yet applied, per projection (refreshed at most every METRICS_SNAPSHOT_SECONDS)',
      ['projection', 'state'],
      (s) => (s?.projections ?? []).map((p) => [{ projection: p.name, state: p.state }, p.events]),
      { reset: true },
    );
    this.snapshotGauge('almanac_projection_lag_seconds', 'Age of the oldest event not yet applied, per projection (refreshed at most every METRICS_SNAPSHOT_SECONDS)', ['projection'], (s) =>
      (s?.projections ?? []).map((p) => [{ projection: p.name }, p.seconds]),
    );
    this.snapshotGauge(
      'almanac_projection_parked_streams',
      'Streams a projection has parked on an event it cannot apply, waiting for an operator to retry or skip (refreshed at most every METRICS_SNAPSHOT_SECONDS)',
      ['projection'],
      (s) => (s?.projections ?? []).map((p) => [{ projection: p.name }, p.parked]),
    );
    this.snapshotGauge('almanac_emails', 'Deliveries finished, by outcome (sent, failed, skipped), counted as they happen by every worker', ['status'], (s) =>
      EMAIL_STATUSES.map((status) => [{ status }, s?.emails[status] ?? 0]),
    );
    // Per webhook endpoint: endpoints come and go, so these drop the series of those gone.
    this.snapshotGauge(
      'almanac_webhook_deliveries',
      'Webhook delivery attempts per endpoint and outcome (sent, failed), counted as they happen by every worker',
      ['endpoint', 'outcome'],
      (s) =>
        (s?.webhooks ?? []).flatMap(
          (w) =>
            [
              [{ endpoint: w.id, outcome: 'sent' }, w.sent],
              [{ endpoint: w.id, outcome: 'failed' }, w.failed],
            ] as GaugePoint[],
        ),
      { reset: true },
    );
    this.snapshotGauge(
      'almanac_webhook_lag_events',
      'Calendar events not yet delivered, per endpoint and status (refreshed at most every METRICS_SNAPSHOT_SECONDS)',
      ['endpoint', 'status'],
      (s) => (s?.webhooks ?? []).map((w) => [{ endpoint: w.id, status: w.status }, w.lagEvents]),
      { reset: true },
    );
    this.snapshotGauge(
      'almanac_webhook_lag_seconds',
      'Age of the oldest calendar event not yet delivered, per endpoint (refreshed at most every METRICS_SNAPSHOT_SECONDS)',
      ['endpoint'],
      (s) => (s?.webhooks ?? []).map((w) => [{ endpoint: w.id }, w.lagSeconds]),
      { reset: true },
    );
  }

  /**
   * A gauge whose series are read from the latest snapshot at each scrape. `reset`: series not in
   * the snapshot any more are dropped (kept as they were while there is no snapshot yet).
   */
  private snapshotGauge(name: string, help: string, labelNames: string[], points: (s: Snapshot | null) => GaugePoint[], options: { reset?: boolean } = {}): void {
    const snap = () => this.snapshot;
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        const s = snap();
        if (options.reset) {
          if (!s) return;
          this.reset();
        }
        for (const [labels, value] of points(s)) this.set(labels, value);
      },
    });
  }

  /**
   * The registry's text. The snapshot is refreshed when older than METRICS_SNAPSHOT_SECONDS — awaited only for the
   * very first scrape, otherwise in the background (this scrape gets the previous figures).
   */
  async scrape(): Promise<string> {
    if (Date.now() - this.takenAt >= this.snapshotMaxAgeMs && !this.refreshing) {
      this.takenAt = Date.now();
      this.refreshing = this.refresh().finally(() => (this.refreshing = null));
    }
    if (!this.snapshot && this.refreshing) await this.refreshing;
    return this.registry.metrics();
  }

  private async refresh(): Promise<void> {
    const next: Snapshot = { queues: [], outcomes: [], projections: [], emails: {}, webhooks: [], ...(this.snapshot ?? {}) };
    await this.guard('queue depths', async () => {
      const queues: Snapshot['queues'] = [];
      const outcomes: Snapshot['outcomes'] = [];
      for (const q of this.queues) {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children');
        for (const [state, n] of Object.entries(counts)) queues.push({ queue: q.name, state, n });
        for (const outcome of ['completed', 'failed'] as const) outcomes.push({ queue: q.name, outcome, n: (await q.getMetrics(outcome, 0, 0)).meta.count });
      }
      next.queues = queues;
      next.outcomes = outcomes;
    });
    await this.guard('projection lag', async () => {
      next.projections = (await this.status.all()).map((p) => ({ name: p.name, state: p.state, events: p.lag.events, seconds: p.lag.seconds, parked: p.parked.length }));
    });
    await this.guard('emails', async () => {
      next.emails = await this.emailCounts.read();
    });
    await this.guard('webhooks', async () => {
      next.webhooks = await this.webhookStats.all();
    });
    this.snapshot = next;
  }

  private queues: Queue[];

  /** Adds queues of other modules (email, reminders) to the depth gauges. */
  watch(queue: Queue): void {
    if (!this.queues.includes(queue)) this.queues.push(queue);
  }

  /** A scrape must answer even while Redis or PostgreSQL is down. */
  private async guard(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.logger.warn({ err }, `metrics: could not read ${what}`);
    }
  }

  /** An `onResponse` hook: one observation per response, labelled with the matched route's pattern. */
  hook(): onResponseHookHandler {
    return (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
      // Unknown paths reach the not-found handler, which has no route: label those 'unmatched';
      // so are wildcard routes (static files), which would name every path they serve.
      const path = req.routeOptions.url;
      const route = path && !path.includes('*') ? path : reply.statusCode === 404 ? 'unmatched' : 'other';
      const labels = { method: req.method, route, status: String(reply.statusCode) };
      this.requests.inc(labels);
      this.latency.observe(labels, reply.elapsedTime / 1000);
      done();
    };
  }
}
