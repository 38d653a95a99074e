import { Injectable, Logger } from '@nestjs/common';
import type { StoredEvent } from '../../../events/envelope';
import { RegisterProjection } from '../../../projections/projection.decorator';
import type { Projection, ProjectionContext } from '../../../projections/projection';
import { CheckpointService } from './checkpoint.service';
import { appendLeaves, frontierRefs, leafHash, nodeKey } from './domain/merkle';
import { LEAVES_TABLE, NODES_TABLE, SealedLeaf, TreeTables } from './tree.repository';

export const SEALER_PROJECTION = 'transparency';

/**
 * Seals the log into the transparency tree: every event, in the order the runner reads it
 * (gap-safe), becomes the next leaf; each complete subtree's hash is stored once, when its
 * last leaf arrives. Deterministic from the log alone, so a rebuild produces the same tree.
 */
@Injectable()
@RegisterProjection()
export class SealerProjection implements Projection {
  private readonly logger = new Logger(SealerProjection.name);
  readonly name = SEALER_PROJECTION;
  readonly eventTypes = 'all' as const;
  readonly tables = [LEAVES_TABLE, NODES_TABLE] as const;

  constructor(private readonly checkpoints: CheckpointService) {}

  async apply(events: StoredEvent[], ctx: ProjectionContext): Promise<void> {
    const leavesTable = ctx.table(LEAVES_TABLE);
    const nodesTable = ctx.table(NODES_TABLE);
    const size = await TreeTables.size(ctx.tx, leavesTable);
    const frontier = await TreeTables.nodes(ctx.tx, frontierRefs(size), nodesTable);
    const leaves: SealedLeaf[] = events.map((e, i) => ({
      leafIndex: size + i,
      position: e.position,
      streamId: e.streamId,
      version: e.version,
      eventHash: Buffer.from(e.hash, 'hex'),
    }));
    const created = appendLeaves(
      size,
      leaves.map((l) => leafHash(l.eventHash)),
      (ref) => {
        const h = frontier.get(nodeKey(ref));
        if (!h) throw new Error(`transparency tree of size ${size} lacks its edge node ${nodeKey(ref)}`);
        return h;
      },
    );
    await TreeTables.insertLeaves(ctx.tx, leaves, leavesTable);
    await TreeTables.insertNodes(ctx.tx, created, nodesTable);
  }

  /** While the log grows, a checkpoint at most every interval (the timer covers a log that stopped). */
  async afterCommit(): Promise<void> {
    await this.checkpoints.issueIfDue().catch((err: unknown) => this.logger.warn({ err }, 'could not issue a checkpoint; the next batch or the timer retries'));
  }
}
