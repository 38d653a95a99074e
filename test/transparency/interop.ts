import { createHash, createPublicKey, verify } from 'node:crypto';

/*
 * An independent reading of the formats, written from the specs (C2SP signed-note and
 * tlog-checkpoint, RFC 9162 §2.1), sharing no code with src/: what any auditor's tool does.
 */

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 9162 §2.1.1 MTH over leaf inputs (here: the 32-byte event hashes). */
export function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return sha256(Buffer.of(0x00), d[0]);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha256(Buffer.of(0x01), mth(d.slice(0, k)), mth(d.slice(k)));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]). */
export function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]). */
export function proof(m: number, d: Buffer[]): Buffer[] {
  const sub = (mm: number, dd: Buffer[], b: boolean): Buffer[] => {
    if (mm === dd.length) return b ? [] : [mth(dd)];
    let k = 1;
    while (k * 2 < dd.length) k *= 2;
    return mm <= k ? [...sub(mm, dd.slice(0, k), b), mth(dd.slice(k))] : [...sub(mm - k, dd.slice(k), false), mth(dd.slice(0, k))];
  };
  return sub(m, d, true);
}

export interface OpenedNote {
  origin: string;
  treeSize: number;
  root: Buffer;
  keyName: string;
}

/**
 * Opens a signed checkpoint with a verifier key `<name>+<hex key id>+<base64(0x01 ‖ key)>`,
 * byte by byte: the signed text is everything up to and including the newline before the
 * blank line; a signature line is U+2014, a space, the key name, a space, base64(key id ‖ sig).
 */
export function openNote(note: string, vkey: string): OpenedNote {
  const [name, idHex, ...rest] = vkey.trim().split('+');
  const keyB64 = rest.join('+');
  const keyBytes = Buffer.from(keyB64, 'base64');
  if (keyBytes[0] !== 0x01 || keyBytes.length !== 33) throw new Error('not an Ed25519 verifier key');
  const pub = keyBytes.subarray(1);
  const id = sha256(Buffer.from(name, 'utf8'), Buffer.of(0x0a, 0x01), pub).subarray(0, 4);
  if (id.toString('hex') !== idHex) throw new Error('verifier key id mismatch');

  const bytes = Buffer.from(note, 'utf8');
  const sep = bytes.lastIndexOf(Buffer.from('\n\n'));
  const text = bytes.subarray(0, sep + 1);
  const sigs = bytes
    .subarray(sep + 2)
    .toString('utf8')
    .split('\n')
    .filter(Boolean);
  const prefix = Buffer.from([0xe2, 0x80, 0x94, 0x20]);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  for (const line of sigs) {
    const lb = Buffer.from(line, 'utf8');
    if (!lb.subarray(0, 4).equals(prefix)) throw new Error('signature line does not start with an em dash and a space');
    const [keyName, b64] = lb.subarray(4).toString('utf8').split(' ');
    const sig = Buffer.from(b64, 'base64');
    if (keyName !== name || !sig.subarray(0, 4).equals(id)) continue;
    if (!verify(null, text, key, sig.subarray(4))) throw new Error('bad signature');
    const [origin, size, root] = text.toString('utf8').split('\n');
    return { origin, treeSize: Number(size), root: Buffer.from(root, 'base64'), keyName };
  }
  throw new Error('no signature by this key');
}
