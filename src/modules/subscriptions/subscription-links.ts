import { Inject, Injectable } from '@nestjs/common';
import { webcrypto } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import { APP_CONFIG, AppConfig } from '../../config/config';
import type { Preferences } from './domain/subscription';
import { deriveSecret } from '../../config/secrets';

export const CONFIRM_TTL = '7d';

export interface ConfirmClaims {
  subscriptionId: string;
  /** Stream version when the link was sent: an Unsubscribed after it voids the link. */
  version: number;
  /** The preferences this request asked for; confirming applies them. */
  preferences: Preferences;
}

export type LinkVerdict<T> = T | { error: 'expired' | 'invalid' };

/**
 * Signed links in emails (jose, HS256). The key is derived for this purpose only, so a link
 * token can never pass as an API bearer token. Confirmation links expire after 7 days
 * (contract); unsubscribe links never do (a year-old email must still unsubscribe).
 */
@Injectable()
export class SubscriptionLinks {
  /** Imported once: given raw bytes, jose imports the key again for every link it signs (a fan-out signs one per email). */
  private readonly key: Promise<webcrypto.CryptoKey>;
  private readonly base: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = webcrypto.subtle.importKey('raw', new Uint8Array(deriveSecret(config, 'subscription-links')), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    this.base = config.PUBLIC_BASE_URL;
  }

  async confirmUrl(c: ConfirmClaims, expiresIn: string | number = CONFIRM_TTL): Promise<string> {
    const token = await new SignJWT({ purpose: 'confirm', v: c.version, p: c.preferences })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(c.subscriptionId)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(await this.key);
    return `${this.base}/v1/subscriptions/confirm?token=${token}`;
  }

  /** Deterministic for a subscription (no iat): every email carries the same link. */
  async unsubscribeUrl(subscriptionId: string): Promise<string> {
    const token = await new SignJWT({ purpose: 'unsubscribe' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subscriptionId)
      .sign(await this.key);
    return `${this.base}/v1/subscriptions/unsubscribe?token=${token}`;
  }

  async verifyConfirm(token: string): Promise<LinkVerdict<ConfirmClaims>> {
    const p = await this.verify(token, 'confirm');
    if ('error' in p) return p;
    if (typeof p.v !== 'number' || !isPreferences(p.p)) return { error: 'invalid' };
    return { subscriptionId: p.sub, version: p.v, preferences: p.p };
  }

  async verifyUnsubscribe(token: string): Promise<LinkVerdict<{ subscriptionId: string }>> {
    const p = await this.verify(token, 'unsubscribe');
    return 'error' in p ? p : { subscriptionId: p.sub };
  }

  private async verify(token: string, purpose: string): Promise<{ sub: string; v?: unknown; p?: unknown } | { error: 'expired' | 'invalid' }> {
    try {
      const { payload } = await jwtVerify(token, await this.key, { algorithms: ['HS256'] });
      if (payload.purpose !== purpose || typeof payload.sub !== 'string') return { error: 'invalid' };
      return { sub: payload.sub, v: payload.v, p: payload.p };
    } catch (err) {
      return { error: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}

function isPreferences(x: unknown): x is Preferences {
  if (!x || typeof x !== 'object') return false;
  const p = x as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  return strings(p.countries) && strings(p.programmes) && strings(p.eventIds) && strings(p.leadTimes) && typeof p.locale === 'string';
}
