import fc from 'fast-check';
import { DomainError } from '../../../common/domain/domain-error';
import { backoffMs, budgetSpent, checkDescription, checkEndpointUrl, checkEventTypes, isPublicAddress, signingSecrets } from './endpoint';

const production = { requirePublic: true };
const development = { requirePublic: false };

const refusal = (fn: () => unknown): DomainError | undefined => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  return undefined;
};

describe('webhook endpoint rules', () => {
  describe('given production (public hosts only)', () => {
    it.each([
      'http://example.org/hook',
      'https://127.0.0.1/hook',
      'https://10.1.2.3/',
      'https://172.16.0.1/',
      'https://192.168.1.1/',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/',
      'https://0.0.0.0/',
      'https://[::1]/',
      'https://[fe80::1]/',
      'https://[fc00::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://2130706433/',
      'https://localhost/',
      'https://LOCALHOST./',
      'https://api.localhost/',
    ])('when %s is registered, then it is refused as WEBHOOK_URL_INVALID on url', (url) => {
      const e = refusal(() => checkEndpointUrl(url, production));
      expect(e).toMatchObject({ kind: 'invalid', code: 'WEBHOOK_URL_INVALID', field: 'url' });
    });

    it('when an https URL of a public name or address is registered, then it is kept', () => {
      expect(checkEndpointUrl('https://hooks.example.org/almanac?x=1', production)).toBe('https://hooks.example.org/almanac?x=1');
      expect(checkEndpointUrl('https://8.8.8.8/h', production)).toBe('https://8.8.8.8/h');
    });
  });

  describe('given development (private networks allowed)', () => {
    it('then http and loopback are accepted', () => {
      expect(checkEndpointUrl('http://127.0.0.1:4000/hook', development)).toBe('http://127.0.0.1:4000/hook');
    });

    const refused = ['ftp://example.org/', 'not a url', 'https://user:secret@example.org/', 'https://example.org/#frag', `https://example.org/${'a'.repeat(2001)}`];
    it.each(refused.map((u) => [u.length > 60 ? `${u.slice(0, 30)}… (${u.length} characters)` : u, u]))('but %s is refused in every environment', (_label, url) =>
      expect(refusal(() => checkEndpointUrl(url, development))?.code).toBe('WEBHOOK_URL_INVALID'),
    );
  });

  it('private, loopback and link-local IPv4 addresses are never public (property)', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const nonPublic = fc.oneof(
      fc.tuple(octet, octet, octet).map(([b, c, d]) => `10.${b}.${c}.${d}`),
      fc.tuple(octet, octet, octet).map(([b, c, d]) => `127.${b}.${c}.${d}`),
      fc.tuple(fc.integer({ min: 16, max: 31 }), octet, octet).map(([b, c, d]) => `172.${b}.${c}.${d}`),
      fc.tuple(octet, octet).map(([c, d]) => `192.168.${c}.${d}`),
      fc.tuple(octet, octet).map(([c, d]) => `169.254.${c}.${d}`),
    );
    fc.assert(fc.property(nonPublic, (ip) => !isPublicAddress(ip) && !isPublicAddress(`::ffff:${ip}`)));
  });

  it('event types: calendar types only, each once; empty means all', () => {
    expect(checkEventTypes([])).toEqual([]);
    expect(checkEventTypes(['EventCancelled', 'EventCancelled', 'EventScheduled'])).toEqual(['EventCancelled', 'EventScheduled']);
    expect(refusal(() => checkEventTypes(['SubscriptionRequested']))).toMatchObject({ code: 'WEBHOOK_EVENT_TYPES_INVALID', field: 'eventTypes' });
  });

  it('descriptions: text without control characters or unpaired surrogates', () => {
    expect(checkDescription('Intranet\tfeed\nline two')).toBe('Intranet\tfeed\nline two');
    expect(checkDescription('😀 ok')).toBe('😀 ok');
    for (const bad of ['a\u0000b', 'a\u001bb', 'a\ud800b', 'x'.repeat(501)]) expect(refusal(() => checkDescription(bad))?.field).toBe('description');
  });

  it('backoff: about 5 s, 30 s, 2 min, 10 min, 30 min, then hourly; never shorter than the step before (property)', () => {
    const schedule = [5, 30, 120, 600, 1800, 3600];
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffMs(n, schedule) / 1000)).toEqual([5, 30, 120, 600, 1800, 3600, 3600, 3600]);
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), (n) => backoffMs(n + 1, schedule) >= backoffMs(n, schedule) && backoffMs(n, schedule) <= 3600_000));
  });

  it('the retry budget is spent once the endpoint has failed for that long', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    const days = (d: number) => new Date(since.getTime() + d * 86400_000);
    expect(budgetSpent(since, days(2.99), 3 * 86400)).toBe(false);
    expect(budgetSpent(since, days(3), 3 * 86400)).toBe(true);
  });

  it('signing secrets: the previous one only until its overlap ends', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const e = { secret: 'whsec_new', previousSecret: 'whsec_old', previousSecretExpiresAt: new Date('2026-01-02T12:00:00Z') };
    expect(signingSecrets(e, now)).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(e, new Date('2026-01-02T12:00:00Z'))).toEqual(['whsec_new']);
    expect(signingSecrets({ secret: 'whsec_new', previousSecret: null, previousSecretExpiresAt: null }, now)).toEqual(['whsec_new']);
  });
});
