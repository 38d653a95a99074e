import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { missingPositions } from '../../../events/log-leaves';
import { Hash, NodeRef, completeSubtrees, nodeKey, rangeHash } from './domain/merkle';

export const LEAVES_TABLE = 'transparency_leaves';
export const NODES_TABLE = 'transparency_nodes';

/** A sealed leaf: which event the tree holds at that index, and the event hash it sealed. */
export interface SealedLeaf {
  leafIndex: number;
  position: string;
  streamId: string;
  version: number;
  eventHash: Buffer;
}

interface LeafRaw {
  leaf_index: string;
  position: string;
  stream_id: string;
  version: number;
  event_hash: Buffer;
}
// Ordering must name `l.leaf_index`: a bare name would sort by the text alias ('10' < '2').
const LEAF_COLUMNS = 'leaf_index::text AS leaf_index, position::text AS position, stream_id, version, event_hash';
const toLeaf = (r: LeafRaw): SealedLeaf => ({ leafIndex: Number(r.leaf_index), position: r.position, streamId: r.stream_id, version: r.version, eventHash: r.event_hash });

/** The stored tree's SQL: sizes, node hashes, leaves. `table` names a slot's physical table (rebuilds). */
export const TreeTables = {
  async size(m: EntityManager, leaves = LEAVES_TABLE): Promise<number> {
    const rows: { n: string | null }[] = await m.query(`SELECT (max(leaf_index) + 1)::text AS n FROM ${leaves}`);
    return Number(rows[0]?.n ?? 0);
  },

  async nodes(m: EntityManager, refs: readonly NodeRef[], nodes = NODES_TABLE): Promise<Map<string, Hash>> {
    const out = new Map<string, Hash>();
    if (refs.length === 0) return out;
    const rows: { level: number; idx: string; hash: Buffer }[] = await m.query(
      `SELECT n.level, n.idx::text AS idx, n.hash FROM ${nodes} n JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx`,
      [refs.map((r) => r.level), refs.map((r) => r.index)],
    );
    for (const r of rows) out.set(nodeKey({ level: r.level, index: Number(r.idx) }), r.hash);
    return out;
  },

  async insertNodes(m: EntityManager, created: readonly { level: number; index: number; hash: Hash }[], nodes = NODES_TABLE): Promise<void> {
    if (created.length === 0) return;
    await m.query(`INSERT INTO ${nodes} (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])`, [
      created.map((n) => n.level),
      created.map((n) => n.index),
      created.map((n) => n.hash),
    ]);
  },

  async insertLeaves(m: EntityManager, leaves: readonly SealedLeaf[], table = LEAVES_TABLE): Promise<void> {
    if (leaves.length === 0) return;
    await m.query(`INSERT INTO ${table} (leaf_index, position, stream_id, version, event_hash) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[], $5::bytea[])`, [
      leaves.map((l) => l.leafIndex),
      leaves.map((l) => l.position),
      leaves.map((l) => l.streamId),
      leaves.map((l) => l.version),
      leaves.map((l) => l.eventHash),
    ]);
  },
};

/** Reads of the live tree: what proofs, roots and checks need. */
@Injectable()
export class TreeRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  size(m: EntityManager = this.db.manager): Promise<number> {
    return TreeTables.size(m);
  }

  /** MTH(D[start:end]) for each range, from O(log n) stored nodes each, in one query; null when a range lies beyond the tree. */
  async rangeHashes(ranges: readonly (readonly [number, number])[], m: EntityManager = this.db.manager): Promise<Hash[] | null> {
    const refs = ranges.flatMap(([a, b]) => completeSubtrees(a, b));
    const found = await TreeTables.nodes(m, refs);
    if (refs.some((r) => !found.has(nodeKey(r)))) return null;
    return ranges.map(([a, b]) => rangeHash(a, b, (r) => found.get(nodeKey(r))!));
  }

  async leafByPosition(position: string, m: EntityManager = this.db.manager): Promise<SealedLeaf | undefined> {
    const rows: LeafRaw[] = await m.query(`SELECT ${LEAF_COLUMNS} FROM ${LEAVES_TABLE} WHERE position = $1`, [position]);
    return rows[0] ? toLeaf(rows[0]) : undefined;
  }

  /** Sealed leaves for the given positions (export lines carry their leaf index). */
  async leavesByPositions(positions: readonly string[]): Promise<Map<string, SealedLeaf>> {
    if (positions.length === 0) return new Map();
    const rows: LeafRaw[] = await this.db.query(`SELECT ${LEAF_COLUMNS} FROM ${LEAVES_TABLE} WHERE position = ANY($1::bigint[])`, [positions]);
    return new Map(rows.map((r) => [r.position, toLeaf(r)]));
  }

  /** The sealed leaves in index order, a page at a time. */
  async *leaves(m: EntityManager = this.db.manager, limit = Number.MAX_SAFE_INTEGER, pageSize = 10_000): AsyncGenerator<SealedLeaf[]> {
    let from = 0;
    while (from < limit) {
      const rows: LeafRaw[] = await m.query(`SELECT ${LEAF_COLUMNS} FROM ${LEAVES_TABLE} l WHERE l.leaf_index >= $1 AND l.leaf_index < $2 ORDER BY l.leaf_index`, [
        from,
        Math.min(limit, from + pageSize),
      ]);
      if (rows.length === 0) return;
      yield rows.map(toLeaf);
      from += pageSize;
    }
  }

  /** Sealed leaves whose event is no longer in the log (only a database owner can remove one). */
  async orphanedLeaves(): Promise<SealedLeaf[]> {
    const rows: LeafRaw[] = await this.db.query(`SELECT ${LEAF_COLUMNS} FROM ${LEAVES_TABLE} l WHERE l.position = ANY($1::bigint[]) ORDER BY l.leaf_index`, [
      await missingPositions(this.db.manager, LEAVES_TABLE),
    ]);
    return rows.map(toLeaf);
  }
}
