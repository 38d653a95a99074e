import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWorkerContext } from '../../bootstrap';
import { loadConfig } from '../../config/config';
import { EventStore } from '../../events/event-store.port';
import { LOG_START, checkpointOf } from '../../events/envelope';
import { CALENDAR_EVENT_STREAM_PREFIX, calendarEventStream } from '../../modules/scheduling/domain/events';
import type { Scenario, ScenarioOutcome } from '../scenario';
import { startApp } from '../support/app';
import { cpuMeter } from '../support/cpu';
import { createBenchDatabase, projectionsCaughtUp } from '../support/database';
import { scaled, sleep, waitUntil } from '../support/env';
import { HttpClient, inParallel } from '../support/http';
import { scheduleBody } from '../support/payloads';
import type { Progress } from '../support/progress';
import { round } from '../support/stats';

const EVENTS = scaled(20_000);
const GIVE_UP_SECONDS = 180;

interface Receiver {
  url: string;
  received: number;
  /** `webhook-id`s in arrival order. */
  ids: string[];
  first: number | null;
  last: number | null;
  reset(): void;
  close(): Promise<void>;
}

/** A local receiver answering 204 at once (or never, when `hang`), noting arrivals and their order. */
async function startReceiver(hang = false): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    received: 0,
    ids: [],
    first: null,
    last: null,
    reset() {
      Object.assign(r, { received: 0, ids: [], first: null, last: null });
    },
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (hang) return;
      r.ids.push(String(req.headers['webhook-id']));
      const now = Date.now();
      r.received++;
      r.first ??= now;
      r.last = now;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return r;
}

/** Replays the whole log to the endpoints and waits until `fast` has every event; events/s from replay to the last. */
async function deliverAll(store: EventStore, http: HttpClient, admin: Record<string, string>, ids: string[], fast: Receiver, progress: Progress, label: string) {
  fast.reset();
  const t0 = Date.now();
  for (const id of ids) await http.json('POST', `/v1/admin/webhooks/${id}/replay`, { headers: admin, body: { fromPosition: '0' }, expect: [202] });
  progress.start(label, EVENTS, 'events');
  const deadline = t0 + GIVE_UP_SECONDS * 1000;
  while (fast.received < EVENTS && Date.now() < deadline) {
    progress.update(fast.received);
    await sleep(50);
  }
  progress.stop();
  const seconds = ((fast.last ?? Date.now()) - t0) / 1000;
  // The log's order is the order projections read it, (transaction id, position): concurrent
  // appends commit out of position order, so positions alone would not do.
  const order: string[] = [];
  for (let from = LOG_START; ;) {
    const page = await store.readFiltered(from, 5000, { streamPrefix: CALENDAR_EVENT_STREAM_PREFIX });
    if (!page.length) break;
    order.push(...page.map((e) => e.id));
    from = checkpointOf(page[page.length - 1]);
  }
  const outOfOrder = order.filter((id, i) => fast.ids[i] !== id).length;
  return { received: fast.received, outOfOrder, seconds: round(seconds, 2), perSecond: fast.received >= EVENTS ? round(EVENTS / seconds, 0) : null };
}

/**
 * webhooks: the log (20,000 calendar events) delivered to one fast local receiver, one event
 * per POST in log order, signed; then again while a second endpoint never answers (its
 * attempts time out after 10 s), to show a failing endpoint does not slow another.
 */
export const webhooks: Scenario = {
  name: 'webhooks',
  title: `webhook delivery of ${EVENTS.toLocaleString('en-US')} events to a fast receiver, alone and beside a failing one`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('webhooks');
    const [fast, silent] = await Promise.all([startReceiver(), startReceiver(true)]);
    try {
      progress.log('starting api and worker');
      const app = await startApp('webhooks', db.url, { WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true' });
      const http = new HttpClient(app.baseUrl);
      const ctx = await createWorkerContext(loadConfig(app.env), 'cli');
      try {
        const store = ctx.get(EventStore);
        progress.start('append calendar events', EVENTS, 'events');
        await inParallel(
          EVENTS,
          16,
          async (i) => {
            const metadata = { actor: 'bench', correlationId: `bench-webhooks-${i}`, causationId: `bench-webhooks-${i}` };
            await store.append(calendarEventStream(randomUUID()), 0, [{ type: 'EventScheduled', data: scheduleBody(i) }], metadata);
          },
          (n) => progress.update(n),
        );
        progress.stop();
        progress.log('waiting for the projections, so they do not share the measurement');
        await waitUntil('projections caught up', () => projectionsCaughtUp(db.pool, ['calendar', 'calendar-history', 'reminder-plan']), 300_000, 200);

        const admin = { authorization: `Bearer ${await app.token('bench', 'admin')}` };
        const register = async (url: string) => (await http.json<{ id: string }>('POST', '/v1/admin/webhooks', { headers: admin, body: { url }, expect: [201] })).body.id;
        const fastId = await register(fast.url);
        const cpu = await cpuMeter({ worker: app.worker.child.pid, api: app.api.child.pid, 'bench (receivers)': process.pid }, db.pool);
        const alone = await deliverAll(store, http, admin, [fastId], fast, progress, 'deliver to one fast receiver');
        const cpuMsPerEvent = await cpu.perOperation(Math.max(1, alone.received));

        const silentId = await register(silent.url);
        const beside = await deliverAll(store, http, admin, [silentId, fastId], fast, progress, 'deliver beside a receiver that never answers');
        const silentState = (await http.json<{ status: string; failedAttempts: number; lastError: string | null }>('GET', `/v1/admin/webhooks/${silentId}`, { headers: admin })).body;
        return {
          figures: [
            { metric: 'delivery to one fast receiver', value: alone.perSecond, unit: 'events/s', target: { op: '>=', value: 1000 } },
            { metric: 'the same, beside an endpoint that never answers', value: beside.perSecond, unit: 'events/s', target: { op: '>=', value: 1000 } },
            { metric: "events received out of the log's order", value: alone.outOfOrder + beside.outOfOrder, unit: '', target: { op: '<', value: 1 } },
          ],
          details: { events: EVENTS, alone, beside, silentEndpoint: silentState, cpuMsPerEvent },
          notes: [
            `${EVENTS.toLocaleString('en-US')} EventScheduled events are appended to as many calendar-event streams through the EventStore port (16 at once) from an in-process \`cli\` context; the measurement starts once the worker has projected them.`,
            'An endpoint is registered for a receiver in the bench process that answers 204 at once; POST /v1/admin/webhooks/:id/replay {fromPosition: 0} starts the delivery, timed from that request to the last event received. Each event is one signed POST, in log order, over a kept-alive connection.',
            "Then a second endpoint whose receiver never answers (each attempt times out after the default 10 s, then backs off) is replayed from 0 together with the first: the first endpoint's throughput is measured again.",
          ],
        };
      } finally {
        http.close();
        await ctx.close();
        await app.stop();
      }
    } finally {
      await Promise.all([fast.close(), silent.close()]);
      await db.drop();
    }
  },
};
