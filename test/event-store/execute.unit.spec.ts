import { Decider, execute } from '../../src/events/aggregate';
import { InMemoryEventStore } from '../../src/events/in-memory-event-store';

type E = { type: 'Opened'; data: { by: string } } | { type: 'Touched'; data: { by: string } };
/** Opens a stream once; every later command only touches it. */
const decider: Decider<{ open: boolean }, { by: string }, E> = {
  initialState: { open: false },
  decide: (s, c) => [s.open ? { type: 'Touched', data: { by: c.by } } : { type: 'Opened', data: { by: c.by } }],
  evolve: () => ({ open: true }),
};
const metadata = { actor: 'user:test', correlationId: 'c', causationId: 'c' };

describe('execute with newStream', () => {
  it('given an empty stream, when a command is executed as on a new stream, then it appends at version 1 without reading first', async () => {
    const store = new InMemoryEventStore();
    const read = jest.spyOn(store, 'readStream');

    const r = await execute(store, 's-1', decider, { by: 'a' }, { metadata, newStream: true });

    expect(r.version).toBe(1);
    expect(r.appended.map((e) => e.type)).toEqual(['Opened']);
    expect(read).not.toHaveBeenCalled();
  });

  it('given a stream that exists after all, when a command is executed as on a new stream, then the append is refused, the next attempt reads and decides on what is there', async () => {
    const store = new InMemoryEventStore();
    await execute(store, 's-2', decider, { by: 'first' }, { metadata });

    const r = await execute(store, 's-2', decider, { by: 'second' }, { metadata, newStream: true });

    expect(r.version).toBe(2);
    expect((await store.readStream('s-2')).map((e) => e.type)).toEqual(['Opened', 'Touched']);
  });
});
