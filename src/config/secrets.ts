import { hkdfSync } from 'node:crypto';
import type { AppConfig } from './config';

/** Every use of DATA_KEY_SECRET: each gets its own key, so one can never stand in for another. */
export type SecretPurpose = 'email-hash' | 'key-wrap' | 'subscription-links' | 'sign-up-queue' | 'sign-up-cap' | 'idempotency';

/** A 32-byte key for one purpose, derived (HKDF-SHA256) from DATA_KEY_SECRET. */
export function deriveSecret(config: Pick<AppConfig, 'DATA_KEY_SECRET'>, purpose: SecretPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', config.DATA_KEY_SECRET, 'almanac', `almanac ${purpose}`, 32));
}
