import { JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenService } from '../../src/modules/auth/tokens';
import { TEST_JWT_SECRET, TestApp, http, startTestApp } from '../support/app';

const ISSUER = 'https://idp.test/realms/almanac';
const AUDIENCE = 'almanac-api';

type Alg = 'RS256' | 'ES256' | 'EdDSA';
interface SigningKey {
  kid: string;
  alg: Alg;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  jwk: JWK;
}

async function signingKey(kid: string, alg: Alg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * An organisation's identity provider, as almanac sees one: a JWK set served over HTTP (the
 * keys can rotate) and tokens signed with its private keys, roles nested as Keycloak does.
 */
describe('identity provider tokens through its JWK set (e2e, real JWKS server)', () => {
  let t: TestApp;
  let jwks: Server;
  let published: SigningKey[] = [];
  let fetches = 0;
  let rsa1: SigningKey;
  let ec1: SigningKey;
  let ed1: SigningKey;

  beforeAll(async () => {
    [rsa1, ec1, ed1] = await Promise.all([signingKey('rsa-1', 'RS256'), signingKey('ec-1', 'ES256'), signingKey('ed-1', 'EdDSA')]);
    published = [rsa1, ec1, ed1];
    jwks = createServer((req, res) => {
      if (req.url !== '/realms/almanac/protocol/openid-connect/certs') return void res.writeHead(404).end();
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/realms/almanac/protocol/openid-connect/certs`;
    // No AUTH_JWT_SECRET: the identity provider is the only source of tokens.
    t = await startTestApp('idp', {
      AUTH_JWT_SECRET: '',
      AUTH_JWKS_URL: url,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_ROLES_CLAIM: 'realm_access.roles',
      AUTH_JWKS_COOLDOWN_SECONDS: '0',
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => jwks?.close(r));
  });

  const token = (k: SigningKey, claims: { roles?: string[]; iss?: string; aud?: string; exp?: number | null; sub?: string } = {}) => {
    const jwt = new SignJWT({ realm_access: { roles: claims.roles ?? ['auditor'] } })
      .setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'JWT' })
      .setSubject(claims.sub ?? 'carol@idp')
      .setIssuer(claims.iss ?? ISSUER)
      .setAudience(claims.aud ?? AUDIENCE)
      .setIssuedAt();
    if (claims.exp !== null) jwt.setExpirationTime(claims.exp ?? '10m');
    return jwt.sign(k.privateKey);
  };
  const verify = async (jwt: string) => {
    const r = await http<{ ok?: boolean; detail?: string }>(t.baseUrl, 'GET', '/v1/audit/verify', { token: jwt });
    return { status: r.status, detail: r.body.detail };
  };

  it('accepts RS256, ES256 and EdDSA tokens of the provider, roles read from the nested claim; the key set is fetched once and cached', async () => {
    for (const k of [rsa1, ec1, ed1]) expect({ alg: k.alg, ...(await verify(await token(k))) }).toEqual({ alg: k.alg, status: 200, detail: undefined });
    for (let i = 0; i < 5; i++) expect((await verify(await token(rsa1, { sub: `user-${i}` }))).status).toBe(200);
    expect(fetches).toBe(1);
    // The role comes from the token: an auditor-only route refuses a staff token with 403.
    expect((await verify(await token(rsa1, { roles: ['staff'] }))).status).toBe(403);
    expect((await http(t.baseUrl, 'GET', `/v1/events/00000000-0000-4000-8000-000000000000/history`, { token: await token(ec1, { roles: ['staff'] }) })).status).toBe(404);
  });

  it('refuses tokens without exp, expired, from another issuer or for another audience, and those signed with a key it does not publish', async () => {
    const stranger = await signingKey('rsa-1', 'RS256'); // same kid, another key
    const cases: [string, string, RegExp][] = [
      ['no exp', await token(rsa1, { exp: null }), /exp/],
      ['expired', await token(rsa1, { exp: Math.floor(Date.now() / 1000) - 120 }), /expired/],
      ['issuer', await token(rsa1, { iss: 'https://evil.test' }), /iss/],
      ['audience', await token(rsa1, { aud: 'another-api' }), /aud/],
      ['forged', await token(stranger), /not valid/],
      ['unknown kid', await token({ ...(await signingKey('rsa-unknown', 'RS256')) }), /does not publish/],
    ];
    for (const [what, jwt, why] of cases) {
      const r = await verify(jwt);
      expect({ what, status: r.status }).toEqual({ what, status: 401 });
      expect(r.detail).toMatch(why);
    }
  });

  it('with only a JWK set configured, HS256 tokens (even with the right claims) are refused', async () => {
    const hs = new TokenService({ secret: TEST_JWT_SECRET, issuer: ISSUER, audience: AUDIENCE });
    const r = await verify(await hs.sign('mallory', ['auditor', 'admin']));
    expect(r.status).toBe(401);
    expect(r.detail).toMatch(/HS256/);
  });

  it('follows key rotation: a token signed with the new key works at once; the retired key no longer does', async () => {
    const rsa2 = await signingKey('rsa-2', 'RS256');
    published = [rsa2, ec1, ed1];
    const before = fetches;
    expect((await verify(await token(rsa2))).status).toBe(200);
    expect(fetches).toBe(before + 1);
    const retired = await verify(await token(rsa1, { sub: 'after-rotation' }));
    expect(retired.status).toBe(401);
  });
});
