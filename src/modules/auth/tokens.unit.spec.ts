import { SignJWT } from 'jose';
import { TokenService, rolesAt } from './tokens';

/** Bearer tokens: verified once, then recognised by their exact text until they expire. */
describe('TokenService', () => {
  const secret = 'a-secret-long-enough-for-hs256-tokens!';
  afterEach(() => jest.useRealTimers());

  it('given a signed token, verify returns its principal, again and again', async () => {
    const tokens = new TokenService(secret);
    const token = await tokens.sign('alice', ['staff', 'auditor']);
    expect(await tokens.verify(token)).toEqual({ sub: 'alice', roles: ['staff', 'auditor'] });
    expect(await tokens.verify(token)).toEqual({ sub: 'alice', roles: ['staff', 'auditor'] });
  });

  it('given a token verified before, when it expires, then it is refused although it was verified', async () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const tokens = new TokenService(secret);
    const token = await tokens.sign('alice', ['staff'], '1h');
    expect(await tokens.verify(token)).toEqual({ sub: 'alice', roles: ['staff'] });
    jest.setSystemTime(new Date('2030-01-01T00:59:59Z'));
    expect(await tokens.verify(token)).toEqual({ sub: 'alice', roles: ['staff'] });
    jest.setSystemTime(new Date('2030-01-01T01:00:01Z'));
    expect(await tokens.verify(token)).toEqual({ error: 'the token has expired' });
    expect(await tokens.verify(token)).toEqual({ error: 'the token has expired' });
  });

  it('given a verified token, a copy with one character changed, or one signed with another secret, is refused', async () => {
    const tokens = new TokenService(secret);
    const token = await tokens.sign('alice', ['admin']);
    await tokens.verify(token);
    const [head, payload, sig] = token.split('.');
    const forged = `${head}.${payload}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await tokens.verify(forged)).toEqual({ error: 'the token is not valid' });
    const other = await new TokenService(`${secret}-other`).sign('alice', ['admin']);
    expect(await tokens.verify(other)).toEqual({ error: 'the token is not valid' });
  });

  it('given a token without exp, it is refused: no token lives for ever', async () => {
    const tokens = new TokenService(secret);
    const forever = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(new TextEncoder().encode(secret));
    expect(await tokens.verify(forever)).toEqual({ error: 'the token has no expiry (exp)' });
  });

  it('given issuer and audience, a token must carry both', async () => {
    const tokens = new TokenService({ secret, issuer: 'https://idp.test', audience: 'almanac' });
    expect(await tokens.verify(await tokens.sign('alice', ['staff']))).toEqual({ sub: 'alice', roles: ['staff'] });
    expect(await tokens.verify(await new TokenService(secret).sign('alice', ['staff']))).toEqual({ error: "the token's iss is not accepted" });
  });
});

describe('rolesAt', () => {
  it('reads a claim by name, then by dotted path; keeps only known roles', () => {
    expect(rolesAt({ roles: ['staff', 'owner'] }, 'roles')).toEqual(['staff']);
    expect(rolesAt({ realm_access: { roles: ['admin', 'offline_access'] } }, 'realm_access.roles')).toEqual(['admin']);
    // Auth0 puts roles under a namespaced claim that contains dots itself.
    expect(rolesAt({ 'https://almanac.example/roles': ['auditor'] }, 'https://almanac.example/roles')).toEqual(['auditor']);
    expect(rolesAt({ roles: 'admin' }, 'roles')).toEqual([]);
    expect(rolesAt({}, 'a.b.c')).toEqual([]);
  });
});
