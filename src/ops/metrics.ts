import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from '../events/postgres-event-store';
import { QUEUES } from '../jobs/catalog';
import { ListPageCache } from '../modules/calendar/list-events/list-page.cache';
import { Public } from '../common/http/access';
import { ProjectionStatusService } from '../projections/projection.status';

/**
 * Prometheus metrics. Counters that only this process sees (HTTP, append conflicts) are kept
 * in memory; figures shared by every process (queue depths and outcomes, projection lag,
 * emails) are read at scrape time from Redis and PostgreSQL, so any instance reports them.
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
  readonly listCache = new Counter({ name: 'almanac_list_cache_lookups_total', help: 'GET /v1/events pages looked up in the page cache, by result', labelNames: ['result'], registers: [this.registry] });

  constructor(
    @InjectQueue(QUEUES.projections) projections: Queue,
    @InjectQueue(QUEUES.email) email: Queue,
    @InjectQueue(QUEUES.reminders) reminders: Queue,
    private readonly status: ProjectionStatusService,
    @InjectDataSource() private readonly db: DataSource,
    store: PostgresEventStore,
    listPages: ListPageCache,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'almanac_' });
    store.onConflict(() => this.conflicts.inc());
    listPages.onLookup((hit) => this.listCache.inc({ result: hit ? 'hit' : 'miss' }));
    const queues = [projections, email, reminders];
    this.queues = queues;
    const self = this;
    new Gauge({
      name: 'almanac_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        await self.guard('queue depths', async () => {
          for (const q of self.queues) {
            const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children');
            for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
          }
        });
      },
    });
    new Gauge({
      name: 'almanac_queue_job_outcomes',
      help: 'Jobs completed and failed per queue (BullMQ metrics, all workers)',
      labelNames: ['queue', 'outcome'],
      registers: [this.registry],
      async collect() {
        await self.guard('job outcomes', async () => {
          for (const q of self.queues) {
            for (const outcome of ['completed', 'failed'] as const) this.set({ queue: q.name, outcome }, (await q.getMetrics(outcome, 0, 0)).meta.count);
          }
        });
      },
    });
    new Gauge({
      name: 'almanac_projection_lag_events',
      help: 'Events in the log not yet applied, per projection',
      labelNames: ['projection', 'state'],
      registers: [this.registry],
      async collect() {
        await self.guard('projection lag', async () => {
          this.reset();
          for (const p of await self.status.all()) this.set({ projection: p.name, state: p.state }, p.lag.events);
        });
      },
    });
    new Gauge({
      name: 'almanac_projection_lag_seconds',
      help: 'Age of the oldest event not yet applied, per projection',
      labelNames: ['projection'],
      registers: [this.registry],
      async collect() {
        await self.guard('projection lag', async () => {
          for (const p of await self.status.all()) this.set({ projection: p.name }, p.lag.seconds);
        });
      },
    });
    new Gauge({
      name: 'almanac_emails',
      help: 'Emails by delivery status (sent, failed, skipped, pending)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        await self.guard('emails', async () => {
          const exists: { t: string | null }[] = await self.db.query(`SELECT to_regclass('deliveries')::text AS t`);
          if (!exists[0].t) return;
          const rows: { status: string; n: number }[] = await self.db.query('SELECT status, count(*)::int AS n FROM deliveries GROUP BY status');
          for (const s of ['sent', 'failed', 'skipped', 'pending', 'sending']) this.set({ status: s }, rows.find((r) => r.status === s)?.n ?? 0);
        });
      },
    });
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

  /** Express middleware: one observation per response, labelled with the matched route. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const end = this.latency.startTimer();
      res.on('finish', () => {
        // Nest answers unknown paths from a catch-all route (`{/*splat}`): label those 'unmatched'.
        const path = req.route?.path ? String(req.route.path) : undefined;
        const route = path && !path.includes('*') ? `${req.baseUrl}${path}` : res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'other';
        const labels = { method: req.method, route, status: String(res.statusCode) };
        this.requests.inc(labels);
        end(labels);
      });
      next();
    };
  }
}

@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
