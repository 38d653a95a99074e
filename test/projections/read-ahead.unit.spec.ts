import type { LogCheckpoint, LoggedEvent } from '../../src/events/envelope';
import { ReadAhead } from '../../src/projections/read-ahead';

/** A log of `n` events, one per transaction, as the store would page it (after a checkpoint, at most `limit`). */
function logOf(n: number): LoggedEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    position: String(i + 1),
    transactionId: String(100 + i),
    streamId: `s-${i % 3}`,
    version: Math.floor(i / 3) + 1,
    type: 'Happened',
    schemaVersion: 1,
    data: { i },
    recordedAt: new Date(0),
  }));
}

function pager(log: LoggedEvent[]): { read: (after: LogCheckpoint, limit: number) => Promise<LoggedEvent[]>; reads: LogCheckpoint[] } {
  const reads: LogCheckpoint[] = [];
  return {
    reads,
    read: (after, limit) => {
      reads.push(after);
      return Promise.resolve(log.filter((e) => BigInt(e.transactionId) > BigInt(after.transactionId)).slice(0, limit));
    },
  };
}

const start: LogCheckpoint = { transactionId: '0', position: '0' };

describe('ReadAhead (a replay reads its next page while the current one folds)', () => {
  it('given a full page read ahead after the checkpoint the batch finds, when taken, then it is that page, read once', async () => {
    const log = pager(logOf(10));
    const ahead = new ReadAhead(log.read);
    ahead.start(start, 4);
    expect((await ahead.take(start, 4))?.map((e) => e.position)).toEqual(['1', '2', '3', '4']);
    expect(log.reads).toEqual([start]);
  });

  it('given a page read ahead after another checkpoint (the slot moved meanwhile), when taken, then nothing: the batch reads after its own', async () => {
    const ahead = new ReadAhead(pager(logOf(10)).read);
    ahead.start(start, 4);
    expect(await ahead.take({ transactionId: '103', position: '4' }, 4)).toBeNull();
  });

  it('given a short page read ahead (the head or horizon of an earlier snapshot), when taken, then nothing: a read now may see more', async () => {
    const ahead = new ReadAhead(pager(logOf(3)).read);
    ahead.start(start, 4);
    expect(await ahead.take(start, 4)).toBeNull();
  });

  it('given a page read ahead for another batch size, when taken, then nothing', async () => {
    const ahead = new ReadAhead(pager(logOf(10)).read);
    ahead.start(start, 4);
    expect(await ahead.take(start, 2)).toBeNull();
  });

  it('given a read ahead that failed, when taken, then nothing (the batch reads it itself), and no rejection is left unhandled', async () => {
    const ahead = new ReadAhead<LoggedEvent>(() => Promise.reject(new Error('connection lost')));
    ahead.start(start, 4);
    expect(await ahead.take(start, 4)).toBeNull();
  });

  it('given a page taken, when taken again, then nothing: each page serves one batch', async () => {
    const ahead = new ReadAhead(pager(logOf(10)).read);
    ahead.start(start, 4);
    await ahead.take(start, 4);
    expect(await ahead.take(start, 4)).toBeNull();
  });
});
