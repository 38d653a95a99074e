import fc from 'fast-check';
import { NAME_MAX, normaliseName } from './name';

describe('normaliseName', () => {
  it('given an ordinary name, keeps it (spaces tidied)', () => {
    expect(normaliseName('  Ada   Lovelace ')).toBe('Ada Lovelace');
    expect(normaliseName('J. R. R. Tolkien')).toBe('J. R. R. Tolkien');
    expect(normaliseName('Dr. María-José Núñez')).toBe('Dr. María-José Núñez');
    expect(normaliseName('李小龍')).toBe('李小龍');
  });

  it('given control characters or line breaks, they become spaces: a name is one line', () => {
    expect(normaliseName('Eve\r\nBcc: victim@example.org')).toBe('Eve');
    expect(normaliseName('Eve\u0000\u0007Smith')).toBe('Eve Smith');
    expect(normaliseName('Eve\u2028Smith\u202e')).toBe('Eve Smith');
    expect(normaliseName('a\u200bb')).toBe('a b');
  });

  it('given words a mail client would link, drops them', () => {
    expect(normaliseName('Claim your prize at https://evil.example/x now')).toBe('Claim your prize at now');
    expect(normaliseName('visit www.evil.example')).toBe('visit');
    expect(normaliseName('evil.example')).toBeNull();
    expect(normaliseName('write to mallory@evil.example')).toBe('write to');
    expect(normaliseName('mailto:x javascript:alert(1)')).toBeNull();
    // Full-width dots and letters fold to ASCII first (NFKC), so they cannot sneak a host name in.
    expect(normaliseName('ｅｖｉｌ．ｅｘａｍｐｌｅ')).toBeNull();
  });

  it('given nothing usable, null', () => {
    expect(normaliseName(undefined)).toBeNull();
    expect(normaliseName(null)).toBeNull();
    expect(normaliseName(' \t\n ')).toBeNull();
  });

  it('property: the result is null or one trimmed line, at most NAME_MAX characters, with no control character and no link', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const n = normaliseName(s);
        if (n === null) return;
        expect(n).toBe(n.trim());
        expect(Array.from(n).length).toBeLessThanOrEqual(NAME_MAX);
        expect(n).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
        expect(n).not.toMatch(/:\/\/|@|www\./i);
        expect(normaliseName(n)).toBe(n);
      }),
    );
  });
});
