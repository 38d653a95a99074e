import { KeyObject, createHash, createPublicKey, sign, verify } from 'node:crypto';
import { DomainError } from '../../../../common/domain/domain-error';

/**
 * C2SP signed-note with one Ed25519 signer, carrying a C2SP tlog-checkpoint:
 * body = origin, tree size, base64 root hash (one per line); then a blank line and
 * `— <key name> <base64(key id ‖ signature)>`. The signature covers the body's bytes.
 */

const ED25519 = 0x01;
const EM_DASH = '\u2014';

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The whole note, as served and kept by auditors. */
  note: string;
}

/** A log's public identity: what an auditor needs to check its checkpoints. */
export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  publicKey: Buffer;
}

export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('the checkpoint signing key must be an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

/** First 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key). */
export const keyId = (name: string, publicKey: Buffer): Buffer => createHash('sha256').update(name, 'utf8').update(Buffer.of(0x0a, ED25519)).update(publicKey).digest().subarray(0, 4);

export function verifierFor(name: string, publicKey: Buffer): NoteVerifier {
  return { name, keyId: keyId(name, publicKey), publicKey };
}

/** `<name>+<key id hex>+<base64(0x01 ‖ public key)>`. */
export const formatVerifierKey = (v: NoteVerifier): string => `${v.name}+${v.keyId.toString('hex')}+${Buffer.concat([Buffer.of(ED25519), v.publicKey]).toString('base64')}`;

export function parseVerifierKey(text: string): NoteVerifier {
  // The name holds no '+', the base64 key may: split at the first two.
  const m = /^([^+]+)\+([^+]+)\+(.+)$/.exec(text.trim());
  const parts = m ? [m[1], m[2], m[3]] : [];
  if (parts.length !== 3 || !/^[0-9a-f]{8}$/.test(parts[1])) throw invalid('a verifier key is <name>+<key id hex>+<base64 key>');
  const key = Buffer.from(parts[2], 'base64');
  if (key.length !== 33 || key[0] !== ED25519) throw invalid('only Ed25519 verifier keys are supported');
  const v = verifierFor(parts[0], key.subarray(1));
  if (!v.keyId.equals(Buffer.from(parts[1], 'hex'))) throw invalid('the verifier key id does not match its name and key');
  return v;
}

export const checkpointBody = (c: Checkpoint): string => `${c.origin}\n${c.treeSize}\n${c.rootHash.toString('base64')}\n`;

/** Signs a checkpoint; the key name is the origin, as tlog-checkpoint recommends. */
export function signCheckpoint(c: Checkpoint, privateKey: KeyObject): SignedCheckpoint {
  const body = checkpointBody(c);
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  const line = `${EM_DASH} ${c.origin} ${Buffer.concat([keyId(c.origin, publicKey), signature]).toString('base64')}\n`;
  return { ...c, note: `${body}\n${line}` };
}

export interface OpenedCheckpoint extends Checkpoint {
  /** A signature line of this verifier's name and key id verified over the body. */
  signatureValid: boolean;
}

/**
 * Parses a signed checkpoint and checks its signature by `verifier`. A malformed note is a
 * validation error; a well-formed note with a wrong or missing signature is `signatureValid: false`.
 */
export function openCheckpoint(note: string, verifier: NoteVerifier): OpenedCheckpoint {
  const text = note.replace(/\r\n/g, '\n');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw invalid('a signed note is a body, a blank line, then signature lines');
  const body = text.slice(0, split + 1);
  const sigLines = text
    .slice(split + 2)
    .split('\n')
    .filter((l, i, all) => l !== '' || i < all.length - 1);
  if (sigLines.length === 0) throw invalid('the note has no signature line');
  const checkpoint = parseBody(body);
  let signatureValid = false;
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw invalid(`malformed signature line: ${line.slice(0, 80)}`);
    const sig = Buffer.from(m[2], 'base64');
    if (m[1] !== verifier.name || sig.length < 5 || !sig.subarray(0, 4).equals(verifier.keyId)) continue;
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: verifier.publicKey.toString('base64url') }, format: 'jwk' });
    signatureValid = sig.length === 68 && verify(null, Buffer.from(body, 'utf8'), key, sig.subarray(4));
    break;
  }
  return { ...checkpoint, signatureValid };
}

function parseBody(body: string): Checkpoint {
  const lines = body.split('\n');
  if (lines.length < 4) throw invalid('a checkpoint body has an origin, a tree size and a root hash');
  const [origin, size, root] = lines;
  if (!origin) throw invalid('the checkpoint has no origin line');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) throw invalid('the tree size must be a decimal number');
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw invalid('the root hash must be 32 bytes in base64');
  return { origin, treeSize: Number(size), rootHash };
}

const invalid = (message: string) => new DomainError('invalid', 'INVALID_CHECKPOINT', message, 'checkpoint');
