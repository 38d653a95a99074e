import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, checkpointKeyPem } from '../../../config/config';
import { completeSubtrees, nodeKey, rangeHash } from './domain/merkle';
import { NoteVerifier, SignedCheckpoint, rawPublicKey, signCheckpoint, verifierFor } from './domain/signed-note';
import { TreeTables } from './tree.repository';

export interface StoredCheckpoint extends SignedCheckpoint {
  signedAt: Date;
}

// Queries order by `c.tree_size`: a bare name would sort by the text alias ('10' < '9').
interface CheckpointRaw {
  tree_size: string;
  root_hash: Buffer;
  note: string;
  signed_at: Date;
}

const DEV_KEY_NAME = 'checkpoint';

/** Where checkpoints say they come from: CHECKPOINT_ORIGIN, else `<host of PUBLIC_BASE_URL>/almanac`. */
export const checkpointOrigin = (config: Pick<AppConfig, 'CHECKPOINT_ORIGIN' | 'PUBLIC_BASE_URL'>): string => config.CHECKPOINT_ORIGIN ?? `${new URL(config.PUBLIC_BASE_URL).host}/almanac`;

/**
 * Signs checkpoints of the sealed tree and keeps them. The key is CHECKPOINT_SIGNING_KEY; in
 * development one is generated once and kept in the database, so every process of the
 * installation signs with the same key across restarts.
 */
@Injectable()
export class CheckpointService {
  private key?: Promise<KeyObject>;
  readonly origin: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.origin = checkpointOrigin(config);
  }

  private signingKey(): Promise<KeyObject> {
    this.key ??= this.loadKey().catch((err: unknown) => {
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  private async loadKey(): Promise<KeyObject> {
    if (this.config.CHECKPOINT_SIGNING_KEY) return createPrivateKey(checkpointKeyPem(this.config.CHECKPOINT_SIGNING_KEY));
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    // The first process to get here wins; every other one reads the same key.
    await this.db.query('INSERT INTO transparency_keys (name, private_pem) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [DEV_KEY_NAME, pem]);
    const rows: { private_pem: string }[] = await this.db.query('SELECT private_pem FROM transparency_keys WHERE name = $1', [DEV_KEY_NAME]);
    return createPrivateKey(rows[0].private_pem);
  }

  async verifier(): Promise<NoteVerifier> {
    return verifierFor(this.origin, rawPublicKey(createPublicKey(await this.signingKey())));
  }

  async latest(m: EntityManager = this.db.manager): Promise<StoredCheckpoint | undefined> {
    const rows: CheckpointRaw[] = await m.query('SELECT c.tree_size::text AS tree_size, c.root_hash, c.note, c.signed_at FROM transparency_checkpoints c ORDER BY c.tree_size DESC LIMIT 1');
    return rows[0] && toCheckpoint(rows[0]);
  }

  /** Checkpoints signed after `since` (the digest), oldest first. */
  async unsent(): Promise<StoredCheckpoint[]> {
    const rows: CheckpointRaw[] = await this.db.query(
      'SELECT c.tree_size::text AS tree_size, c.root_hash, c.note, c.signed_at FROM transparency_checkpoints c WHERE c.emailed_at IS NULL ORDER BY c.tree_size',
    );
    return rows.map(toCheckpoint);
  }

  async markSent(sizes: number[]): Promise<void> {
    await this.db.query('UPDATE transparency_checkpoints SET emailed_at = now() WHERE tree_size = ANY($1::bigint[])', [sizes]);
  }

  /**
   * A checkpoint of the tree as sealed now: the latest one if the tree has not grown since,
   * else a new one, signed and stored. One signer at a time across processes.
   */
  async issue(): Promise<StoredCheckpoint> {
    const key = await this.signingKey();
    // READ COMMITTED on purpose: the check after the lock must see a checkpoint committed while
    // it waited. Nodes never change once written, so the size and nodes read later agree.
    return this.db.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('almanac:transparency:checkpoint'))`);
      return this.issueIn(m, key);
    });
  }

  /**
   * performance.now() before which no checkpoint is due: the newest one seen is younger than
   * CHECKPOINT_INTERVAL_SECONDS until then. The sealer asks after every batch; under load that was
   * a transaction of four statements a batch, now none until a checkpoint can be due. Another
   * process's newer checkpoint only makes the real moment later, so no due checkpoint is missed.
   */
  private notDueUntil = 0;

  /** Issues only when the last checkpoint is older than CHECKPOINT_INTERVAL_SECONDS (or none exists) and the tree grew. */
  async issueIfDue(): Promise<StoredCheckpoint | undefined> {
    if (performance.now() < this.notDueUntil) return undefined;
    const key = await this.signingKey();
    const interval = this.config.CHECKPOINT_INTERVAL_SECONDS;
    return this.db.transaction(async (m) => {
      const locked: { ok: boolean }[] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtext('almanac:transparency:checkpoint')) AS ok`);
      if (!locked[0].ok) return undefined;
      // The database's clock on both sides (signed_at is clock_timestamp() at insert); what is
      // left of the interval is a duration, so the two clocks need not agree.
      const due: { in_ms: number | null }[] = await m.query(
        `SELECT (extract(epoch FROM max(signed_at) + make_interval(secs => $1) - clock_timestamp()) * 1000)::float8 AS in_ms FROM transparency_checkpoints`,
        [interval],
      );
      const inMs = due[0].in_ms;
      if (inMs !== null && inMs > 0) {
        this.notDueUntil = performance.now() + inMs;
        return undefined;
      }
      // The next call reads when the one issued here makes the next one due.
      return this.issueIn(m, key);
    });
  }

  private async issueIn(m: EntityManager, key: KeyObject): Promise<StoredCheckpoint> {
    const last = await this.latest(m);
    const size = await TreeTables.size(m);
    if (last && last.treeSize >= size) return last;
    const refs = completeSubtrees(0, size);
    const nodes = await TreeTables.nodes(m, refs);
    const root = rangeHash(0, size, (r) => nodes.get(nodeKey(r))!);
    const signed = signCheckpoint({ origin: this.origin, treeSize: size, rootHash: root }, key);
    const rows: { signed_at: Date; note: string }[] = await m.query(
      'INSERT INTO transparency_checkpoints (tree_size, root_hash, note, signed_at) VALUES ($1, $2, $3, clock_timestamp()) ON CONFLICT (tree_size) DO UPDATE SET tree_size = EXCLUDED.tree_size RETURNING signed_at, note',
      [size, root, signed.note],
    );
    return { ...signed, note: rows[0].note, signedAt: rows[0].signed_at };
  }
}

const toCheckpoint = (r: CheckpointRaw): StoredCheckpoint => {
  const size = Number(r.tree_size);
  return { origin: r.note.slice(0, r.note.indexOf('\n')), treeSize: size, rootHash: r.root_hash, note: r.note, signedAt: r.signed_at };
};
