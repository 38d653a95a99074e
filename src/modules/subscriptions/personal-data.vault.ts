import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { deriveSecret } from '../../config/secrets';
import type { Sealed } from './domain/events';

/** Addresses compare case-insensitively: in practice no mail system distinguishes `A@x` from `a@x`. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export function seal(key: Buffer, plaintext: string): Sealed {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64') };
}

export function open(key: Buffer, s: Sealed): string {
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(s.iv, 'base64'));
  d.setAuthTag(Buffer.from(s.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(s.ciphertext, 'base64')), d.final()]).toString('utf8');
}

/**
 * Personal data of subscribers, never in the log in clear (crypto-shredding). Each subscription has its own
 * AES-256-GCM data key in `subscription_keys`, outside the log, itself wrapped by a key derived
 * from DATA_KEY_SECRET so a database dump alone reads nothing. Erasure destroys the key: the
 * log's ciphertext (and so its hash chain) stays as it is and can no longer be read.
 * The address is findable only through a keyed hash (HMAC-SHA256), never in clear.
 */
@Injectable()
export class PersonalDataVault {
  private readonly hashKey: Buffer;
  private readonly wrapKey: Buffer;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.hashKey = deriveSecret(config, 'email-hash');
    this.wrapKey = deriveSecret(config, 'key-wrap');
  }

  emailHash(email: string): string {
    return createHmac('sha256', this.hashKey).update(normaliseEmail(email)).digest('hex');
  }

  /** The live subscription of an address, if any. */
  async findByEmail(email: string, tx: EntityManager = this.db.manager): Promise<string | null> {
    const rows: { subscription_id: string }[] = await tx.query('SELECT subscription_id FROM subscription_keys WHERE email_hash = $1', [this.emailHash(email)]);
    return rows[0]?.subscription_id ?? null;
  }

  /**
   * Gives `id` a fresh data key for `email`; or, when another subscription already holds the
   * address (a concurrent request won), returns that one's id instead.
   */
  async createKey(id: string, email: string): Promise<{ id: string; created: boolean }> {
    const wrapped = seal(this.wrapKey, randomBytes(32).toString('base64'));
    const rows: { subscription_id: string }[] = await this.db.query(
      `INSERT INTO subscription_keys (subscription_id, key, email_hash) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING subscription_id`,
      [id, Buffer.from(JSON.stringify(wrapped)), this.emailHash(email)],
    );
    if (rows.length) return { id, created: true };
    const existing = await this.findByEmail(email);
    if (!existing) throw new Error('subscription key conflict without a holder; retry');
    return { id: existing, created: false };
  }

  /** The data key, or null once destroyed (or never made). */
  async key(id: string): Promise<Buffer | null> {
    const rows: { key: Buffer | null }[] = await this.db.query('SELECT key FROM subscription_keys WHERE subscription_id = $1', [id]);
    const k = rows[0]?.key;
    if (!k) return null;
    return Buffer.from(open(this.wrapKey, JSON.parse(k.toString('utf8')) as Sealed), 'base64');
  }

  /** The data keys of several subscriptions in one statement; destroyed or unknown ones are missing. */
  async keys(ids: readonly string[]): Promise<Map<string, Buffer>> {
    const rows: { subscription_id: string; key: Buffer | null }[] = await this.db.query('SELECT subscription_id, key FROM subscription_keys WHERE subscription_id = ANY($1::uuid[])', [ids]);
    const keys = new Map<string, Buffer>();
    for (const r of rows) if (r.key) keys.set(r.subscription_id, Buffer.from(open(this.wrapKey, JSON.parse(r.key.toString('utf8')) as Sealed), 'base64'));
    return keys;
  }

  /** The email hash kept beside the key (null once destroyed): the read model copies it. */
  async emailHashOf(id: string, tx: EntityManager = this.db.manager): Promise<string | null> {
    const rows: { email_hash: string | null }[] = await tx.query('SELECT email_hash FROM subscription_keys WHERE subscription_id = $1', [id]);
    return rows[0]?.email_hash ?? null;
  }

  /** Crypto-shredding: the key and the address hash are gone for good. Idempotent. */
  async destroy(id: string): Promise<void> {
    await this.db.query(`UPDATE subscription_keys SET key = NULL, email_hash = NULL, destroyed_at = coalesce(destroyed_at, now()) WHERE subscription_id = $1`, [id]);
  }

  seal(key: Buffer, plaintext: string): Sealed {
    return seal(key, plaintext);
  }

  open(key: Buffer, sealed: Sealed): string {
    return open(key, sealed);
  }
}
