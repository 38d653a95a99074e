import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../../common/domain/domain-error';
import { LOG_START } from '../../../events/envelope';
import { logLeaves } from '../../../events/log-leaves';
import { CheckpointService, StoredCheckpoint } from './checkpoint.service';
import { consistencyRanges, inclusionRanges } from './domain/merkle';
import { NoteVerifier, formatVerifierKey, openCheckpoint } from './domain/signed-note';
import { TreeRepository } from './tree.repository';
import { CheckpointVerification, LeafEntry, compareWithCheckpoint } from './verification/compare-log';

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  hashes: string[];
}

export interface ConsistencyProof {
  from: number;
  to: number;
  hashes: string[];
}

const b64 = (hashes: Buffer[]) => hashes.map((h) => h.toString('base64'));
const invalid = (field: string, message: string) => new DomainError('invalid', 'VALIDATION_FAILED', message, field);

/** Checkpoints, proofs and checks of the transparency log (the auditor's view of it). */
@Injectable()
export class TransparencyService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tree: TreeRepository,
    private readonly checkpoints: CheckpointService,
  ) {}

  /** The latest checkpoint, after signing one for the tree as sealed now if it grew since. */
  checkpoint(): Promise<StoredCheckpoint> {
    return this.checkpoints.issue();
  }

  async verifierKey(): Promise<string> {
    return formatVerifierKey(await this.checkpoints.verifier());
  }

  // No transaction: a stored node never changes, and a node missing means the tree is not
  // that big yet. Two round trips for an inclusion proof, one for a consistency proof.
  async inclusion(position: string, treeSize: number): Promise<InclusionProof> {
    if (treeSize < 1) throw invalid('treeSize', 'treeSize must be at least 1');
    const leaf = await this.tree.leafByPosition(position);
    if (!leaf) throw new DomainError('not-found', 'LEAF_NOT_FOUND', `no sealed event at position ${position} (not in the log, or not sealed yet)`);
    if (leaf.leafIndex >= treeSize) throw invalid('treeSize', `the event at position ${position} is leaf ${leaf.leafIndex}, not in a tree of size ${treeSize}`);
    const hashes = await this.tree.rangeHashes(inclusionRanges(leaf.leafIndex, treeSize));
    if (!hashes) throw await this.beyondTree('treeSize');
    return { leafIndex: leaf.leafIndex, treeSize, hashes: b64(hashes) };
  }

  async consistency(from: number, to: number): Promise<ConsistencyProof> {
    if (from < 1 || from > to) throw invalid('from', 'from must be from 1 to `to`');
    const hashes = from === to ? (to <= (await this.tree.size()) ? [] : null) : await this.tree.rangeHashes(consistencyRanges(from, to));
    if (!hashes) throw await this.beyondTree('to');
    return { from, to, hashes: b64(hashes) };
  }

  private async beyondTree(field: string): Promise<DomainError> {
    return invalid(field, `${field} must be at most the sealed tree's size (${await this.tree.size()})`);
  }

  /** Checks a kept checkpoint: our signature, and that the log still holds exactly its leaves. */
  async verify(note: string, verifier?: NoteVerifier): Promise<CheckpointVerification> {
    const opened = openCheckpoint(note, verifier ?? (await this.checkpoints.verifier()));
    return this.db.transaction('REPEATABLE READ', (m) => compareWithCheckpoint(opened, this.logAsLeaves(m, opened.treeSize), this.sealedAsLeaves(m, opened.treeSize)));
  }

  private async *logAsLeaves(m: EntityManager, limit: number): AsyncGenerator<LeafEntry[]> {
    for await (const rows of logLeaves(m, LOG_START, 10_000, limit)) {
      yield rows.map((r) => ({ position: r.position, streamId: r.streamId, version: r.version, eventHash: Buffer.from(r.hash, 'hex') }));
    }
  }

  private async *sealedAsLeaves(m: EntityManager, limit: number): AsyncGenerator<LeafEntry[]> {
    yield* this.tree.leaves(m, limit);
  }
}
