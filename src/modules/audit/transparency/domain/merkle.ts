import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 §2.1 over the log. Proofs are described as lists of leaf ranges
 * [start, end) whose tree hashes make up the proof, so the same code serves an in-memory
 * tree (tests, offline checks) and the stored one (the hashes of complete subtrees).
 */

export type Hash = Buffer;
export type Range = readonly [start: number, end: number];

export const leafHash = (eventHash: Buffer): Hash => createHash('sha256').update(Buffer.of(0)).update(eventHash).digest();
export const nodeHash = (left: Hash, right: Hash): Hash => createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
/** MTH of the empty tree. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** The largest power of two smaller than n (n > 1). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 PATH(m, D[n]) as ranges, leaf-to-root order (the order of the proof). */
export function inclusionRanges(index: number, size: number): Range[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const out: Range[] = [];
  const walk = (m: number, start: number, end: number): void => {
    const n = end - start;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, start + k);
      out.push([start + k, end]);
    } else {
      walk(m - k, start + k, end);
      out.push([start, start + k]);
    }
  };
  walk(index, 0, size);
  return out;
}

/** RFC 9162 PROOF(m, D[n]) as ranges (0 < m <= n). */
export function consistencyRanges(m: number, n: number): Range[] {
  if (!(m > 0 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  const out: Range[] = [];
  const sub = (mm: number, start: number, end: number, whole: boolean): void => {
    const size = end - start;
    if (mm === size) {
      if (!whole) out.push([start, end]);
      return;
    }
    const k = splitPoint(size);
    if (mm <= k) {
      sub(mm, start, start + k, whole);
      out.push([start + k, end]);
    } else {
      sub(mm - k, start + k, end, false);
      out.push([start, start + k]);
    }
  };
  sub(m, 0, n, true);
  return out;
}

/** A complete subtree: `2^level` leaves starting at `index * 2^level`. */
export interface NodeRef {
  level: number;
  index: number;
}

/**
 * The complete subtrees whose hashes give MTH(D[start:end]) by `combine`: every range a proof
 * or a root needs splits this way into at most ~2·log2(n) stored nodes.
 */
export function completeSubtrees(start: number, end: number): NodeRef[] {
  const out: NodeRef[] = [];
  const walk = (a: number, b: number): void => {
    const n = b - a;
    if ((n & (n - 1)) === 0 && a % n === 0) {
      out.push({ level: Math.log2(n), index: a / n });
      return;
    }
    const k = splitPoint(n);
    walk(a, a + k);
    walk(a + k, b);
  };
  if (end > start) walk(start, end);
  return out;
}

/** MTH(D[start:end]) from the hashes of its complete subtrees (see completeSubtrees). */
export function rangeHash(start: number, end: number, node: (ref: NodeRef) => Hash): Hash {
  const n = end - start;
  if (n <= 0) return EMPTY_ROOT;
  if ((n & (n - 1)) === 0 && start % n === 0) return node({ level: Math.log2(n), index: start / n });
  const k = splitPoint(n);
  return nodeHash(rangeHash(start, start + k, node), rangeHash(start + k, end, node));
}

export const nodeKey = (r: NodeRef): string => `${r.level}:${r.index}`;

/**
 * The stored part of a growing tree: each complete subtree gets its hash once, when its last
 * leaf arrives. Appending leaf n creates node (0, n) and one parent per trailing 1-bit of n.
 */
export function appendLeaves(size: number, leaves: readonly Hash[], frontier: (ref: NodeRef) => Hash): { level: number; index: number; hash: Hash }[] {
  const created = new Map<string, Hash>();
  const get = (ref: NodeRef): Hash => created.get(nodeKey(ref)) ?? frontier(ref);
  const out: { level: number; index: number; hash: Hash }[] = [];
  leaves.forEach((leaf, i) => {
    let index = size + i;
    let level = 0;
    let hash = leaf;
    for (;;) {
      created.set(nodeKey({ level, index }), hash);
      out.push({ level, index, hash });
      if (index % 2 === 0) break;
      hash = nodeHash(get({ level, index: index - 1 }), hash);
      index = (index - 1) / 2;
      level += 1;
    }
  });
  return out;
}

/** Nodes an append at `size` combines with: the right edge of the tree (one per set bit). */
export function frontierRefs(size: number): NodeRef[] {
  const refs: NodeRef[] = [];
  for (let level = 0; 2 ** level <= size; level++) {
    const index = Math.floor(size / 2 ** level);
    if (index % 2 === 1) refs.push({ level, index: index - 1 });
  }
  return refs;
}

/** The root of a tree of `leaves` (in-memory, iterative; RFC 9162 MTH). */
export function rootOf(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  const nodes = new Map<string, Hash>();
  for (const n of appendLeaves(0, leaves, (r) => nodes.get(nodeKey(r))!)) nodes.set(nodeKey(n), n.hash);
  return rangeHash(0, leaves.length, (r) => nodes.get(nodeKey(r))!);
}

/**
 * Folds leaves one by one and keeps only the right edge: the root of millions of leaves
 * (an export being checked) in O(log n) memory.
 */
export class StreamingRoot {
  private stack: { level: number; hash: Hash }[] = [];
  size = 0;

  push(leaf: Hash): void {
    let node = { level: 0, hash: leaf };
    while (this.stack.length && this.stack[this.stack.length - 1].level === node.level) {
      const left = this.stack.pop()!;
      node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.size += 1;
  }

  root(): Hash {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let acc = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = nodeHash(this.stack[i].hash, acc);
    return acc;
  }
}

const lsb = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);

/** RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of `size` with `root`? */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: is the tree (`size2`, `root2`) an append-only extension of (`size1`, `root1`)? */
export function verifyConsistency(size1: number, size2: number, root1: Hash, root2: Hash, proof: readonly Hash[]): boolean {
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (!(size1 > 0 && size1 < size2) || proof.length === 0) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(root1) && sr.equals(root2) && sn === 0;
}
