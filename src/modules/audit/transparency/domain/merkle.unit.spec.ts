import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  Hash,
  StreamingRoot,
  appendLeaves,
  completeSubtrees,
  consistencyRanges,
  frontierRefs,
  inclusionRanges,
  leafHash,
  nodeKey,
  rangeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

// A naive reference written straight from RFC 9162 §2.1.1–2.1.4 over arrays: MTH, PATH, PROOF.
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
const MTH = (d: Buffer[]): Buffer => (d.length === 0 ? sha() : d.length === 1 ? sha(Buffer.of(0), d[0]) : sha(Buffer.of(1), MTH(d.slice(0, k(d.length))), MTH(d.slice(k(d.length)))));
const PATH = (m: number, d: Buffer[]): Buffer[] => {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s ? [...PATH(m, d.slice(0, s)), MTH(d.slice(s))] : [...PATH(m - s, d.slice(s)), MTH(d.slice(0, s))];
};
const SUBPROOF = (m: number, d: Buffer[], b: boolean): Buffer[] => {
  if (m === d.length) return b ? [] : [MTH(d)];
  const s = k(d.length);
  return m <= s ? [...SUBPROOF(m, d.slice(0, s), b), MTH(d.slice(s))] : [...SUBPROOF(m - s, d.slice(s), false), MTH(d.slice(0, s))];
};

/** `n` distinct 32-byte event hashes. */
const events = (n: number, seed = 0): Buffer[] => Array.from({ length: n }, (_, i) => sha(Buffer.from(`event ${seed}:${i}`)));

/** The stored tree of `d`, built by appending in the given batch sizes, as the sealer does. */
function storedTree(d: Buffer[], batches: number[] = [d.length]): Map<string, Hash> {
  const nodes = new Map<string, Hash>();
  let size = 0;
  for (const b of batches) {
    const batch = d.slice(size, size + b).map(leafHash);
    for (const n of appendLeaves(size, batch, (r) => {
      const h = nodes.get(nodeKey(r));
      if (!h) throw new Error(`frontier node ${nodeKey(r)} missing at size ${size}`);
      return h;
    }))
      nodes.set(nodeKey(n), n.hash);
    size += batch.length;
  }
  return nodes;
}
const hashesOf = (nodes: Map<string, Hash>, ranges: readonly (readonly [number, number])[]) => ranges.map(([a, b]) => rangeHash(a, b, (r) => nodes.get(nodeKey(r))!));

describe('Merkle tree (RFC 9162 §2.1)', () => {
  it('given the RFC 6962 example shapes, consistency proofs are made of the expected subtrees', () => {
    expect(consistencyRanges(3, 7)).toEqual([
      [2, 3],
      [3, 4],
      [0, 2],
      [4, 7],
    ]);
    expect(consistencyRanges(4, 7)).toEqual([[4, 7]]);
    expect(consistencyRanges(6, 7)).toEqual([
      [4, 6],
      [6, 7],
      [0, 4],
    ]);
    expect(inclusionRanges(0, 7)).toEqual([
      [1, 2],
      [2, 4],
      [4, 7],
    ]);
    expect(inclusionRanges(3, 7)).toEqual([
      [2, 3],
      [0, 2],
      [4, 7],
    ]);
    expect(inclusionRanges(6, 7)).toEqual([
      [4, 6],
      [0, 4],
    ]);
  });

  it('given an empty tree, the root is SHA-256 of nothing', () => {
    expect(rootOf([]).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('any tree: the root, the stored subtrees and the streamed root equal the reference MTH, whatever the batches', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }), (batches) => {
        const n = batches.reduce((a, b) => a + b, 0);
        const d = events(n);
        const nodes = storedTree(d, batches);
        const streamed = new StreamingRoot();
        d.forEach((e) => streamed.push(leafHash(e)));
        const root = MTH(d);
        expect(rootOf(d.map(leafHash)).equals(root)).toBe(true);
        expect(rangeHash(0, n, (r) => nodes.get(nodeKey(r))!).equals(root)).toBe(true);
        expect(streamed.root().equals(root)).toBe(true);
        // Only the right edge is needed to go on appending.
        for (const r of frontierRefs(n)) expect(nodes.has(nodeKey(r))).toBe(true);
        for (const r of completeSubtrees(0, n)) expect(nodes.has(nodeKey(r))).toBe(true);
      }),
    );
  });

  it('any leaf of any tree: the inclusion proof equals the reference PATH and verifies; a wrong leaf, index or root does not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, m]) => {
          const d = events(n);
          const proof = hashesOf(storedTree(d), inclusionRanges(m, n));
          expect(proof.map((h) => h.toString('hex'))).toEqual(PATH(m, d).map((h) => h.toString('hex')));
          const root = MTH(d);
          expect(verifyInclusion(m, n, leafHash(d[m]), proof, root)).toBe(true);
          expect(verifyInclusion(m, n, leafHash(sha(Buffer.from('forged'))), proof, root)).toBe(false);
          if (n > 1) expect(verifyInclusion((m + 1) % n, n, leafHash(d[m]), proof, root)).toBe(false);
          expect(verifyInclusion(m, n, leafHash(d[m]), proof, MTH(events(n, 1)))).toBe(false);
        },
      ),
    );
  });

  it('any two sizes: the consistency proof equals the reference PROOF and verifies; a rewritten history does not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([m, n, changed]) => {
          const d = events(n);
          const proof = hashesOf(storedTree(d), consistencyRanges(m, n));
          expect(proof.map((h) => h.toString('hex'))).toEqual(SUBPROOF(m, d, true).map((h) => h.toString('hex')));
          expect(verifyConsistency(m, n, MTH(d.slice(0, m)), MTH(d), proof)).toBe(true);
          // One leaf of the old tree rewritten: the new tree is not an extension of the old one.
          const rewritten = d.slice();
          rewritten[changed] = sha(Buffer.from('rewritten'));
          const forged = hashesOf(storedTree(rewritten), consistencyRanges(m, n));
          if (changed < m) expect(verifyConsistency(m, n, MTH(d.slice(0, m)), MTH(rewritten), forged)).toBe(false);
          if (m < n) expect(verifyConsistency(m, n, MTH(d.slice(0, m)), MTH(d), proof.slice(1))).toBe(false);
        },
      ),
    );
  });
});
