import type { LoggedEvent } from '../../src/events/envelope';
import { byStream } from '../../src/projections/projection';

const event = (streamId: string, version: number): LoggedEvent => ({
  position: String(version),
  transactionId: '1',
  streamId,
  version,
  type: 'Happened',
  schemaVersion: 1,
  data: {},
  recordedAt: new Date(0),
});

describe('byStream', () => {
  it('groups a batch by the id after the prefix, streams in order of first appearance, each in batch order, other streams left out', () => {
    const batch = [event('cal-b', 1), event('other-a', 1), event('cal-a', 1), event('cal-b', 2), event('calx-c', 1), event('cal-a', 2), event('cal-b', 3)];
    const streams = byStream(batch, 'cal-');
    expect([...streams.keys()]).toEqual(['b', 'a']);
    expect(streams.get('b')!.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(streams.get('a')!.map((e) => [e.streamId, e.version])).toEqual([
      ['cal-a', 1],
      ['cal-a', 2],
    ]);
  });
});
