import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { SMTPServer } from 'smtp-server';
import { createWorkerContext } from '../../bootstrap';
import { loadConfig } from '../../config/config';
import type { NewEvent } from '../../events/envelope';
import { EventStore } from '../../events/event-store.port';
import { subscriptionStream } from '../../modules/subscriptions/domain/events';
import { Preferences, subscriptionDecider } from '../../modules/subscriptions/domain/subscription';
import { PersonalDataVault } from '../../modules/subscriptions/personal-data.vault';
import type { Scenario, ScenarioOutcome } from '../scenario';
import { startApp } from '../support/app';
import { cpuMeter } from '../support/cpu';
import { createBenchDatabase, projectionsCaughtUp } from '../support/database';
import { scaled, sleep, waitUntil } from '../support/env';
import { HttpClient, inParallel } from '../support/http';
import { DESCRIPTION } from '../support/payloads';
import type { Progress } from '../support/progress';
import { round } from '../support/stats';

const SUBSCRIBERS = scaled(10_000);
const LEAD_TIME = 'PT5M';
/** The reminder falls due this long after the event is scheduled. */
const DUE_IN_SECONDS = 5;
/** Give up waiting for the last message this long after the due time. */
const GIVE_UP_SECONDS = 180;
const CREATORS = 16;

interface Inbox {
  url: string;
  accepted: number;
  recipients: Set<string>;
  first: number | null;
  last: number | null;
  close(): Promise<void>;
}

/** A local SMTP listener that accepts everything as fast as it can and notes when. */
async function startInbox(): Promise<Inbox> {
  const inbox: Inbox = { url: '', accepted: 0, recipients: new Set(), first: null, last: null, close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      stream.on('end', () => {
        const now = Date.now();
        inbox.accepted++;
        inbox.first ??= now;
        inbox.last = now;
        for (const r of session.envelope.rcptTo) inbox.recipients.add(r.address);
        cb();
      });
      stream.resume();
    },
  });
  // A sender dropping its connection mid-transaction makes smtp-server emit 'error'; unheard, it would end the bench.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  inbox.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  inbox.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return inbox;
}

/**
 * 4. fan-out: 10,000 confirmed subscribers match one event. Subscribers are made through the
 * subscriptions domain (SubscriptionRequested + SubscriptionConfirmed per stream, personal data
 * sealed with each one's key from the vault) and projected by the worker; then an event is
 * scheduled through the API whose PT5M reminder falls due 5 s later. Measured from the due time
 * to the 10,000th message accepted by a local SMTP listener (and to the first).
 */
export const fanout: Scenario = {
  name: 'fanout',
  title: `reminder fan-out to ${SUBSCRIBERS.toLocaleString('en-US')} subscribers through SMTP`,
  async run(progress: Progress): Promise<ScenarioOutcome> {
    const db = await createBenchDatabase('fanout');
    const inbox = await startInbox();
    try {
      progress.log('starting api and worker');
      const app = await startApp('fanout', db.url, { SMTP_URL: inbox.url });
      const http = new HttpClient(app.baseUrl);
      const ctx = await createWorkerContext(loadConfig(app.env), 'cli');
      try {
        const store = ctx.get(EventStore);
        const vault = ctx.get(PersonalDataVault);
        const preferences: Preferences = { countries: ['KR'], programmes: [], eventIds: [], leadTimes: [LEAD_TIME], locale: 'en' };

        const t0 = performance.now();
        progress.start('create and confirm subscribers', SUBSCRIBERS, 'subscribers');
        await inParallel(
          SUBSCRIBERS,
          CREATORS,
          async (i) => {
            const email = `subscriber-${i}@bench.example`;
            const { id } = await vault.createKey(randomUUID(), email);
            const key = (await vault.key(id))!;
            const { decide, evolve, initialState } = subscriptionDecider;
            const requested = decide(initialState, { kind: 'request', email: vault.seal(key, email), name: vault.seal(key, `Subscriber ${i}`), preferences });
            const confirmed = decide(requested.reduce(evolve, initialState), { kind: 'confirm', preferences, issuedAtVersion: 1 });
            const metadata = { actor: `subscriber:${id}`, correlationId: `bench-fanout-${i}`, causationId: `bench-fanout-${i}` };
            await store.append(subscriptionStream(id), 0, [...requested, ...confirmed] as NewEvent[], metadata);
          },
          (n) => progress.update(n),
        );
        progress.stop();
        const createSeconds = (performance.now() - t0) / 1000;
        progress.log('waiting for the subscriptions and reminder-plan projections');
        const projectMs = await waitUntil('subscriptions projected', () => projectionsCaughtUp(db.pool, ['subscriptions', 'reminder-plan']), 600_000, 200);

        // The event: in Seoul, starting 5 min + 5 s from now (whole seconds), so PT5M is due in ~5 s.
        const start = DateTime.now()
          .setZone('Asia/Seoul')
          .plus({ minutes: 5, seconds: DUE_IN_SECONDS + 1 })
          .startOf('second');
        const fmt = "yyyy-LL-dd'T'HH:mm:ss";
        const staff = { authorization: `Bearer ${await app.token('bench', 'staff')}` };
        const created = await http.json<{ id: string }>('POST', '/v1/events', {
          headers: staff,
          expect: [201],
          body: {
            title: 'Forum on the Memory of the World in Asia and the Pacific',
            description: DESCRIPTION,
            programme: 'culture',
            location: { city: 'Seoul', country: 'KR', venue: 'COEX' },
            timeZone: 'Asia/Seoul',
            start: { dateTime: start.toFormat(fmt) },
            end: { dateTime: start.plus({ hours: 2 }).toFormat(fmt) },
          },
        });
        const eventId = created.body.id;
        let due = 0;
        await waitUntil(
          'reminder planned',
          async () => {
            const rows = (await db.pool.query<{ due_at: Date }>(`SELECT due_at FROM reminder_plan WHERE event_id = $1 AND lead_time = $2`, [eventId, LEAD_TIME])).rows;
            due = rows[0]?.due_at.getTime() ?? 0;
            return due > 0;
          },
          60_000,
        );
        const cpu = await cpuMeter({ worker: app.worker.child.pid, api: app.api.child.pid, 'bench (SMTP listener)': process.pid }, db.pool);
        const waitForDue = Math.max(0, due - Date.now());
        progress.log(`reminder due in ${(waitForDue / 1000).toFixed(1)} s`);
        await sleep(waitForDue);

        progress.start('due → SMTP accepts', SUBSCRIBERS, 'messages');
        const deadline = due + GIVE_UP_SECONDS * 1000;
        while (inbox.accepted < SUBSCRIBERS && Date.now() < deadline) {
          progress.update(inbox.accepted, `${((Date.now() - due) / 1000).toFixed(1)} s after due`);
          await sleep(50);
        }
        progress.stop();
        const cpuMsPerMessage = await cpu.perOperation(Math.max(1, inbox.accepted));
        const complete = inbox.accepted >= SUBSCRIBERS;
        const totalSeconds = complete && inbox.last ? round((inbox.last - due) / 1000, 2) : null;
        const firstSeconds = inbox.first ? round((inbox.first - due) / 1000, 2) : null;
        const deliveries = (await db.pool.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM deliveries WHERE event_id = $1 GROUP BY status`, [eventId])).rows;
        return {
          figures: [
            { metric: `due → ${SUBSCRIBERS.toLocaleString('en-US')}th message accepted`, value: totalSeconds, unit: 's', target: { op: '<', value: 15 } },
            { metric: 'due → first message accepted', value: firstSeconds, unit: 's', target: { op: '<', value: 2 } },
            { metric: 'messages/s (first to last)', value: inbox.first && inbox.last && inbox.last > inbox.first ? round((inbox.accepted / (inbox.last - inbox.first)) * 1000, 0) : null, unit: '/s' },
          ],
          details: {
            subscribers: SUBSCRIBERS,
            accepted: inbox.accepted,
            distinctRecipients: inbox.recipients.size,
            complete,
            deliveries: Object.fromEntries(deliveries.map((d) => [d.status, Number(d.n)])),
            cpuMsPerMessage,
            createSubscribersSeconds: round(createSeconds, 1),
            projectSubscribersSeconds: round(projectMs / 1000, 1),
            dueAt: new Date(due).toISOString(),
          },
          notes: [
            `${SUBSCRIBERS.toLocaleString('en-US')} subscriptions (countries [KR], lead time ${LEAD_TIME}) are appended through the subscriptions domain (decide → SubscriptionRequested + SubscriptionConfirmed in one append per stream, email and name sealed with each subscription's key from PersonalDataVault) from an in-process \`cli\` context, ${CREATORS} at once; the worker projects them.`,
            `The event is scheduled through POST /v1/events to start 5 min + ${DUE_IN_SECONDS}–6 s later; times are measured from its reminder_plan due_at to the SMTP listener's acceptance of each message (the listener runs in the bench process and accepts everything).`,
            'One worker process (email concurrency and SMTP pool as configured in the product) sends; api and worker are separate processes.',
          ],
        };
      } finally {
        http.close();
        await ctx.close();
        await app.stop();
      }
    } finally {
      await inbox.close();
      await db.drop();
    }
  },
};
