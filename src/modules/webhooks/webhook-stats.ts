import { Injectable } from '@nestjs/common';
import { EventStore } from '../../events/event-store.port';
import { CALENDAR_EVENT_STREAM_PREFIX } from '../scheduling/domain/events';
import { WebhookCounters } from './delivery/webhook-counters';
import { EndpointsRepository } from './endpoints.repository';

export interface EndpointStats {
  id: string;
  status: string;
  sent: number;
  failed: number;
  lagEvents: number;
  lagSeconds: number;
}

/** Per endpoint: deliveries sent and failed (counted as they happen) and the events still to send (metrics, CLI). */
@Injectable()
export class WebhookStats {
  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly counters: WebhookCounters,
    private readonly store: EventStore,
  ) {}

  async all(): Promise<EndpointStats[]> {
    const [endpoints, counts] = await Promise.all([this.endpoints.list(), this.counters.read()]);
    const out: EndpointStats[] = [];
    for (const e of endpoints) {
      const lag = await this.store.lagAfter(e.cursor, { streamPrefix: CALENDAR_EVENT_STREAM_PREFIX, types: e.eventTypes });
      out.push({
        id: e.id,
        status: e.status,
        sent: counts.sent[e.id] ?? 0,
        failed: counts.failed[e.id] ?? 0,
        lagEvents: lag.events,
        lagSeconds: lag.oldest ? Math.max(0, (Date.now() - lag.oldest.getTime()) / 1000) : 0,
      });
    }
    return out;
  }
}
