import { createHash } from 'node:crypto';
import { leafHash, rootOf } from '../domain/merkle';
import { compareWithCheckpoint, LeafEntry } from './compare-log';

const leaf = (i: number, stream = `s-${i % 3}`): LeafEntry => ({ position: String(i + 1), streamId: stream, version: Math.floor(i / 3) + 1, eventHash: createHash('sha256').update(`e${i}`).digest() });
const log = (n: number) => Array.from({ length: n }, (_, i) => leaf(i));
const checkpointOf = (leaves: LeafEntry[], signatureValid = true) => ({ origin: 'o', treeSize: leaves.length, rootHash: rootOf(leaves.map((l) => leafHash(l.eventHash))), signatureValid });

describe('comparing the log with a kept checkpoint', () => {
  it('given an untouched log that grew since, then it is consistent', async () => {
    const kept = log(10);
    expect(await compareWithCheckpoint(checkpointOf(kept), [log(25)], [log(25)])).toEqual({ ok: true, signatureValid: true, treeSize: 10, consistent: true });
  });

  it('given a removed leaf, then the first divergent leaf is the removed one', async () => {
    const kept = log(10);
    const now = kept.filter((_, i) => i !== 4);
    const r = await compareWithCheckpoint(checkpointOf(kept), [now], [kept]);
    expect(r).toMatchObject({ ok: false, consistent: false, firstDivergentLeaf: { leafIndex: 4, position: '5', streamId: 's-1', version: 2, now: { position: '6' } } });
  });

  it('given the last leaf removed, then it is named, and the log now holds nothing there', async () => {
    const kept = log(10);
    const r = await compareWithCheckpoint(checkpointOf(kept), [kept.slice(0, 9)], [kept]);
    expect(r.firstDivergentLeaf).toEqual({ leafIndex: 9, position: '10', streamId: 's-0', version: 4, now: null });
  });

  it('given a leaf rewritten with a new hash, then it is named', async () => {
    const kept = log(10);
    const now = kept.map((l, i) => (i === 7 ? { ...l, eventHash: createHash('sha256').update('forged').digest() } : l));
    expect((await compareWithCheckpoint(checkpointOf(kept), [now], [kept])).firstDivergentLeaf?.leafIndex).toBe(7);
  });

  it("given the sealer's record altered as well, then it is still not consistent, and the leaf is not named from an untrusted record", async () => {
    const kept = log(10);
    const now = kept.slice(0, 9);
    const r = await compareWithCheckpoint(checkpointOf(kept), [now], [now]);
    expect(r.consistent).toBe(false);
    expect(r.firstDivergentLeaf).toBeUndefined();
    expect(r.detail).toMatch(/altered too/);
  });

  it('given a bad signature over an intact log, then consistent but not ok', async () => {
    const kept = log(4);
    expect(await compareWithCheckpoint(checkpointOf(kept, false), [kept], [kept])).toEqual({ ok: false, signatureValid: false, treeSize: 4, consistent: true });
  });
});
