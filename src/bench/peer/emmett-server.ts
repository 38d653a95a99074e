import { randomUUID } from 'node:crypto';
import { DeciderCommandHandler, IllegalStateError, type Command, type Event } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import express, { type Request, type Response } from 'express';

/**
 * The peer of the append benchmark: the simplest Emmett service a team would write for the same
 * command. Emmett's PostgreSQL event store behind Express 5, a decider (decide/evolve/initialState)
 * run by Emmett's DeciderCommandHandler (aggregateStream, then appendToStream with the expected
 * version); no auth, no projections, no idempotency, no hash chain. Started by the bench as
 * `node dist/bench/peer/emmett-server.js` with DATABASE_URL and PORT; prints `ready` when listening.
 */

type DateOrDateTime = { date: string } | { dateTime: string };
type Schedule = { title: string; description?: string; programme: string; location: { city: string; country: string; venue: string }; timeZone?: string; start: DateOrDateTime; end: DateOrDateTime };
type ScheduleEvent = Command<'ScheduleEvent', Schedule & { eventId: string }>;
type EventScheduled = Event<'EventScheduled', Schedule & { eventId: string }>;
type State = { status: 'none' } | { status: 'scheduled' };

const decide = (command: ScheduleEvent, state: State): EventScheduled => {
  if (state.status !== 'none') throw new IllegalStateError('already scheduled');
  return { type: 'EventScheduled', data: command.data };
};
const evolve = (_state: State, event: EventScheduled): State => (event.type === 'EventScheduled' ? { status: 'scheduled' } : _state);
const handle = DeciderCommandHandler<State, ScheduleEvent, EventScheduled>({ decide, evolve, initialState: () => ({ status: 'none' }) });

const isDateOrDateTime = (v: unknown): v is DateOrDateTime =>
  typeof v === 'object' && v !== null && (typeof (v as { date?: unknown }).date === 'string' || typeof (v as { dateTime?: unknown }).dateTime === 'string');

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const store = getPostgreSQLEventStore(url);
  await store.schema.migrate();

  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.post('/events', async (req: Request, res: Response) => {
    const b = req.body as Partial<Schedule> | undefined;
    if (!b || typeof b.title !== 'string' || typeof b.programme !== 'string' || !b.location || !isDateOrDateTime(b.start) || !isDateOrDateTime(b.end)) {
      res.status(400).type('application/problem+json').send({ status: 400, title: 'Bad Request' });
      return;
    }
    const eventId = randomUUID();
    try {
      const result = await handle(store, `event-${eventId}`, { type: 'ScheduleEvent', data: { ...(b as Schedule), eventId } });
      res.status(201).json({ id: eventId, version: Number(result.nextExpectedStreamVersion) });
    } catch (err) {
      res.status(err instanceof IllegalStateError ? 409 : 500).json({ error: err instanceof Error ? err.message : String(err) });
    }
  });
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write('ready\n'));
  const stop = () => server.close(() => void store.close().finally(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`emmett peer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
