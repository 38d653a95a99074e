import { generateKeyPairSync } from 'node:crypto';
import { DomainError } from '../../../../common/domain/domain-error';
import { formatVerifierKey, openCheckpoint, parseVerifierKey, rawPublicKey, signCheckpoint, verifierFor } from './signed-note';

const key = () => generateKeyPairSync('ed25519');
const root = Buffer.alloc(32, 7);

describe('signed checkpoints (C2SP signed-note + tlog-checkpoint)', () => {
  it('given a signed checkpoint, when opened with its verifier key, then the signature is valid and the body is read back', () => {
    const k = key();
    const signed = signCheckpoint({ origin: 'example.org/almanac', treeSize: 42, rootHash: root }, k.privateKey);
    expect(signed.note).toMatch(/^example\.org\/almanac\n42\n[A-Za-z0-9+/]{43}=\n\n\u2014 example\.org\/almanac [A-Za-z0-9+/]{91}=\n$/);
    const v = parseVerifierKey(formatVerifierKey(verifierFor('example.org/almanac', rawPublicKey(k.publicKey))));
    expect(openCheckpoint(signed.note, v)).toEqual({ origin: 'example.org/almanac', treeSize: 42, rootHash: root, signatureValid: true });
  });

  it('given an edited body or another key, then the signature is not valid', () => {
    const k = key();
    const signed = signCheckpoint({ origin: 'example.org/almanac', treeSize: 42, rootHash: root }, k.privateKey);
    const v = verifierFor('example.org/almanac', rawPublicKey(k.publicKey));
    expect(openCheckpoint(signed.note.replace('\n42\n', '\n41\n'), v).signatureValid).toBe(false);
    expect(openCheckpoint(signed.note, verifierFor('example.org/almanac', rawPublicKey(key().publicKey))).signatureValid).toBe(false);
    expect(openCheckpoint(signed.note, verifierFor('other.org/almanac', rawPublicKey(k.publicKey))).signatureValid).toBe(false);
  });

  it('given any public key, the verifier key round-trips, "+" in its base64 included', () => {
    for (let i = 0; i < 200; i++) {
      const v = verifierFor('example.org/almanac', rawPublicKey(key().publicKey));
      expect(parseVerifierKey(formatVerifierKey(v))).toEqual(v);
    }
  });

  it.each([
    ['no blank line', 'example.org/almanac\n1\nAAAA\n'],
    ['no signature line', 'example.org/almanac\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n'],
    ['a tree size that is not decimal', 'example.org/almanac\n01\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u2014 x AAAA\n'],
    ['a root that is not 32 bytes', 'example.org/almanac\n1\nBwcH\n\n\u2014 x AAAA\n'],
    ['a malformed signature line', 'example.org/almanac\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n-- x AAAA\n'],
  ])('given %s, then it is refused as invalid input', (_what, note) => {
    const v = verifierFor('example.org/almanac', rawPublicKey(key().publicKey));
    expect(() => openCheckpoint(note, v)).toThrow(DomainError);
  });
});
