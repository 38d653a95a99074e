import { webcrypto } from 'node:crypto';
import { JWTPayload, JWTVerifyGetKey, SignJWT, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { Principal, ROLES, Role } from '../../common/auth/principal';

export interface TokenOptions {
  /** HS256: the shared secret (development default, or a deployment without an identity provider). */
  secret?: string;
  /** An identity provider's JWK set: RS256, ES256 and EdDSA tokens. */
  jwksUrl?: string;
  /** Checked when set. */
  issuer?: string;
  audience?: string;
  /** Claim name, or dotted path, of the roles array; default `roles`. */
  rolesClaim?: string;
  /** No new fetch of the JWK set (for an unknown `kid`) sooner than this after the last one. */
  jwksCooldownMs?: number;
}

const ASYMMETRIC = ['RS256', 'ES256', 'EdDSA'];

/** `roles` of the token at `path`: an exact claim name first (Auth0 uses URLs), else a dotted path. */
export function rolesAt(payload: JWTPayload, path: string): Role[] {
  let v: unknown = payload[path];
  if (v === undefined) v = path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), payload);
  return Array.isArray(v) ? v.filter((r): r is Role => (ROLES as readonly string[]).includes(r as string)) : [];
}

/**
 * Bearer tokens (contract: `sub` and `roles`): HS256 with AUTH_JWT_SECRET, and/or an identity provider's tokens
 * verified against its JWK set (jose's remote key set: fetched on first use, cached, fetched
 * again when a token names a key it has not seen — key rotation — at most once per cooldown).
 * Every token must carry `exp`; `iss` and `aud` are checked when configured.
 */
export class TokenService {
  /** Imported once: given raw bytes, jose imports the key again on every sign and verify. */
  private readonly key: Promise<webcrypto.CryptoKey> | null;
  private readonly jwks: JWTVerifyGetKey | null;
  private readonly options: TokenOptions;
  /**
   * Tokens already verified, by their exact text, until they expire (at most ten minutes): a
   * client sends the same token with every request, and an HMAC check through WebCrypto costs
   * a quarter of a write's API time (README, Benchmarks). Only a string that verified is ever
   * found here, and its expiry is still enforced.
   */
  private readonly verified = new LRUCache<string, { principal: Principal; expiresAt: number }>({ max: 10_000, ttl: 10 * 60_000 });

  constructor(options: string | TokenOptions) {
    this.options = typeof options === 'string' ? { secret: options } : options;
    const { secret, jwksUrl } = this.options;
    this.key = secret ? webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']) : null;
    this.key?.catch(() => undefined); // reported by the first sign or verify that awaits it
    this.jwks = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: this.options.jwksCooldownMs ?? 30_000, timeoutDuration: 5000 }) : null;
  }

  async sign(sub: string, roles: Role[], expiresIn = '12h'): Promise<string> {
    if (!this.key) throw new Error('no AUTH_JWT_SECRET: tokens come from the identity provider');
    const jwt = new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub).setIssuedAt().setExpirationTime(expiresIn);
    if (this.options.issuer) jwt.setIssuer(this.options.issuer);
    if (this.options.audience) jwt.setAudience(this.options.audience);
    return jwt.sign(await this.key);
  }

  /** The principal, or a reason the token is refused. */
  async verify(token: string): Promise<Principal | { error: string }> {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAt) return known.principal;
      this.verified.delete(token);
      return { error: 'the token has expired' };
    }
    try {
      const { alg } = decodeProtectedHeader(token);
      const checks = { issuer: this.options.issuer, audience: this.options.audience, requiredClaims: ['exp'] };
      let payload: JWTPayload;
      if (alg === 'HS256' && this.key) payload = (await jwtVerify(token, await this.key, { ...checks, algorithms: ['HS256'] })).payload;
      else if (alg && ASYMMETRIC.includes(alg) && this.jwks) payload = (await jwtVerify(token, this.jwks, { ...checks, algorithms: ASYMMETRIC })).payload;
      else return { error: `tokens signed with ${alg ?? 'no algorithm'} are not accepted here` };
      if (typeof payload.sub !== 'string' || !payload.sub) return { error: 'the token has no subject' };
      const principal = { sub: payload.sub, roles: rolesAt(payload, this.options.rolesClaim ?? 'roles') };
      this.verified.set(token, { principal, expiresAt: payload.exp! * 1000 });
      return principal;
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { error: 'the token has expired' };
      if (err instanceof errors.JWTClaimValidationFailed) return { error: err.claim === 'exp' ? 'the token has no expiry (exp)' : `the token's ${err.claim} is not accepted` };
      if (err instanceof errors.JWKSNoMatchingKey) return { error: 'the token was signed with a key the identity provider does not publish' };
      if (err instanceof errors.JWKSTimeout || (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC')) return { error: "the identity provider's keys could not be fetched" };
      return { error: 'the token is not valid' };
    }
  }
}
