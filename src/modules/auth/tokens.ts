import { webcrypto } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { Principal, ROLES, Role } from '../../common/auth/principal';

/** HS256 bearer tokens with `sub` and `roles` (DESIGN §5). Pure: the secret is passed in. */
export class TokenService {
  /** Imported once: given raw bytes, jose imports the key again on every sign and verify. */
  private readonly key: Promise<webcrypto.CryptoKey>;
  /**
   * Tokens already verified, by their exact text, until they expire (at most ten minutes): a
   * client sends the same token with every request, and an HMAC check through WebCrypto costs
   * a quarter of a write's API time (README, Benchmarks). Only a string that verified is ever
   * found here, and its expiry is still enforced.
   */
  private readonly verified = new LRUCache<string, { principal: Principal; expiresAt: number }>({ max: 10_000, ttl: 10 * 60_000 });

  constructor(secret: string) {
    this.key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    this.key.catch(() => undefined); // reported by the first sign or verify that awaits it
  }

  async sign(sub: string, roles: Role[], expiresIn = '12h'): Promise<string> {
    return new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub).setIssuedAt().setExpirationTime(expiresIn).sign(await this.key);
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
      const { payload } = await jwtVerify(token, await this.key, { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || !payload.sub) return { error: 'the token has no subject' };
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r as string)) : [];
      const principal = { sub: payload.sub, roles };
      this.verified.set(token, { principal, expiresAt: payload.exp === undefined ? Infinity : payload.exp * 1000 });
      return principal;
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { error: 'the token has expired' };
      return { error: 'the token is not valid' };
    }
  }
}
