import { randomUUID } from 'node:crypto';
import { VersionMismatchError } from '../../../events/aggregate';
import type { EventMetadata } from '../../../events/envelope';
import type { AppendResult, StreamAppend } from '../../../events/event-store.port';
import { InMemoryEventStore } from '../../../events/in-memory-event-store';
import { calendarEventStream } from '../domain/events';
import { SplitSeriesCommand } from './split-series.command';
import { SplitSeriesHandler } from './split-series.handler';

const metadata: EventMetadata = { actor: 'user:alice', correlationId: 'c', causationId: 'c' };

/** A store where another writer changes the series just before the split's first append. */
class RacedStore extends InMemoryEventStore {
  /** Armed once the series exists: the next multi-stream append is raced. */
  armed = false;
  constructor(private readonly seriesStream: string) {
    super();
  }
  override async appendMany(appends: StreamAppend[], m: EventMetadata): Promise<AppendResult[]> {
    if (this.armed) {
      this.armed = false;
      const version = (await this.readStream(this.seriesStream)).length;
      await super.append(this.seriesStream, version, [{ type: 'EventDetailsChanged', data: { title: 'Renamed meanwhile' } }], metadata);
    }
    return super.appendMany(appends, m);
  }
}

async function seriesIn(store: InMemoryEventStore, id: string): Promise<void> {
  await store.append(
    calendarEventStream(id),
    0,
    [
      {
        type: 'EventScheduled',
        data: {
          title: 'Weekly briefing',
          description: '',
          programme: null,
          location: { city: 'Berlin', country: 'DE', venue: null },
          timeZone: 'Europe/Berlin',
          start: { dateTime: '2026-10-06T09:00' },
          end: { dateTime: '2026-10-06T10:00' },
          recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8'],
        },
      },
    ],
    metadata,
  );
}

describe('split ("this and following")', () => {
  const types = async (store: InMemoryEventStore, id: string) => (await store.readStream(calendarEventStream(id))).map((e) => e.type);

  it('appends both halves in one transaction: the new series and the cut of the old one', async () => {
    const [id, newId] = [randomUUID(), randomUUID()];
    const store = new InMemoryEventStore();
    await seriesIn(store, id);
    const out = await new SplitSeriesHandler(store).execute(new SplitSeriesCommand(id, '20261117T080000Z', newId, { metadata }));
    expect(out).toMatchObject({ id: newId, version: 1, changed: true });
    const [created] = await store.readStream(calendarEventStream(newId));
    const cut = (await store.readStream(calendarEventStream(id)))[1];
    expect(cut.type).toBe('RecurrenceChanged');
    expect(created.transactionId).toBe(cut.transactionId);
    expect(out.position).toBe(cut.position);
  });

  it('with If-Match, a series changed meanwhile refuses the split and leaves no new series behind', async () => {
    const [id, newId] = [randomUUID(), randomUUID()];
    const store = new RacedStore(calendarEventStream(id));
    await seriesIn(store, id);
    store.armed = true;
    await expect(new SplitSeriesHandler(store).execute(new SplitSeriesCommand(id, '20261117T080000Z', newId, { metadata, ifMatch: 1 }))).rejects.toBeInstanceOf(VersionMismatchError);
    expect(await types(store, newId)).toEqual([]);
    expect(await types(store, id)).toEqual(['EventScheduled', 'EventDetailsChanged']);
  });

  it('without If-Match, it is decided again on the new state, and both halves are written once', async () => {
    const [id, newId] = [randomUUID(), randomUUID()];
    const store = new RacedStore(calendarEventStream(id));
    await seriesIn(store, id);
    store.armed = true;
    await new SplitSeriesHandler(store).execute(new SplitSeriesCommand(id, '20261117T080000Z', newId, { metadata }));
    expect(await types(store, newId)).toEqual(['EventScheduled']);
    expect((await store.readStream(calendarEventStream(newId)))[0].data).toMatchObject({ title: 'Renamed meanwhile' });
    expect(await types(store, id)).toEqual(['EventScheduled', 'EventDetailsChanged', 'RecurrenceChanged']);
  });

  it('given new times and details, the new series starts with them, in the same write as the cut', async () => {
    const [id, newId] = [randomUUID(), randomUUID()];
    const store = new InMemoryEventStore();
    await seriesIn(store, id);
    const changes = { start: { dateTime: '2026-11-17T14:00' }, end: { dateTime: '2026-11-17T15:30' }, title: 'Weekly briefing (afternoons)', location: { venue: 'Room 2' } };
    const out = await new SplitSeriesHandler(store).execute(new SplitSeriesCommand(id, '20261117T080000Z', newId, { metadata }, changes));
    expect(out).toMatchObject({
      version: 1,
      state: { start: changes.start, end: changes.end, details: { title: 'Weekly briefing (afternoons)', location: { city: 'Berlin', country: 'DE', venue: 'Room 2' } } },
    });
    const [created] = await store.readStream(calendarEventStream(newId));
    // COUNT=8 from 6 October: 6 instances before 17 November, 2 left, now in the afternoon.
    expect(created.data).toMatchObject({ start: changes.start, end: changes.end, timeZone: 'Europe/Berlin', recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2'] });
    expect(await types(store, id)).toEqual(['EventScheduled', 'RecurrenceChanged']);
    expect(created.transactionId).toBe((await store.readStream(calendarEventStream(id)))[1].transactionId);
  });

  it('given only a new time zone, the new series keeps its wall-clock times there', async () => {
    const [id, newId] = [randomUUID(), randomUUID()];
    const store = new InMemoryEventStore();
    await seriesIn(store, id);
    await new SplitSeriesHandler(store).execute(new SplitSeriesCommand(id, '20261117T080000Z', newId, { metadata }, { timeZone: 'Asia/Ulaanbaatar' }));
    expect((await store.readStream(calendarEventStream(newId)))[0].data).toMatchObject({ timeZone: 'Asia/Ulaanbaatar', start: { dateTime: '2026-11-17T09:00:00' } });
  });

  it('given an end before the start, it refuses the split (400 kind) and writes neither half', async () => {
    const [id, newId] = [randomUUID(), randomUUID()];
    const store = new InMemoryEventStore();
    await seriesIn(store, id);
    const changes = { start: { dateTime: '2026-11-17T14:00' }, end: { dateTime: '2026-11-17T13:00' } };
    await expect(new SplitSeriesHandler(store).execute(new SplitSeriesCommand(id, '20261117T080000Z', newId, { metadata }, changes))).rejects.toMatchObject({ kind: 'invalid', field: 'end' });
    expect(await types(store, newId)).toEqual([]);
    expect(await types(store, id)).toEqual(['EventScheduled']);
  });

  it('given a title too long, it refuses the split and writes neither half', async () => {
    const [id, newId] = [randomUUID(), randomUUID()];
    const store = new InMemoryEventStore();
    await seriesIn(store, id);
    await expect(new SplitSeriesHandler(store).execute(new SplitSeriesCommand(id, '20261117T080000Z', newId, { metadata }, { title: 'x'.repeat(301) }))).rejects.toMatchObject({
      kind: 'invalid',
      field: 'title',
    });
    expect(await types(store, newId)).toEqual([]);
    expect(await types(store, id)).toEqual(['EventScheduled']);
  });

  it('a new id already taken refuses the split (409) and leaves the series uncut', async () => {
    const [id, taken] = [randomUUID(), randomUUID()];
    const store = new InMemoryEventStore();
    await seriesIn(store, id);
    await seriesIn(store, taken);
    await expect(new SplitSeriesHandler(store).execute(new SplitSeriesCommand(id, '20261117T080000Z', taken, { metadata }))).rejects.toMatchObject({ code: 'EVENT_ALREADY_EXISTS' });
    expect(await types(store, id)).toEqual(['EventScheduled']);
  });
});
