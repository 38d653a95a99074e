import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventStore } from '../events/event-store.port';
import { Checkpoints, ProjectionState } from './checkpoints';
import { ParkedStream, ParkedStreams } from './parked-streams';
import { ProjectionRegistry } from './projection.registry';
import { REBUILD_SUFFIX } from './projection.runner';

export interface ProjectionStatus {
  name: string;
  state: ProjectionState;
  checkpoint: { position: string; transactionId: string };
  head: string;
  lag: { events: number; seconds: number };
  generation: number;
  updatedAt: string | null;
  lastError: string | null;
  failedPosition: string | null;
  rebuild: { position: string; events: number } | null;
  /** Streams this projection passes over until an operator retries or skips (oldest first). */
  parked: ParkedStream[];
}

/** Checkpoint, head and lag of every projection (GET /v1/admin/projections, metrics). */
@Injectable()
export class ProjectionStatusService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly registry: ProjectionRegistry,
    private readonly store: EventStore,
  ) {}

  async all(): Promise<ProjectionStatus[]> {
    const rows = await Checkpoints.all(this.db.manager);
    const parked = await ParkedStreams.byProjection(this.db.manager);
    const byName = new Map(rows.map((r) => [r.name, r]));
    const head = await this.store.head();
    const out: ProjectionStatus[] = [];
    for (const p of this.registry.all()) {
      const c = byName.get(p.name);
      const txid = c?.transactionId ?? '0';
      const pos = c?.position ?? '0';
      // Events not yet applied, and how old the oldest of them is.
      const lag = await this.store.lagAfter({ transactionId: txid, position: pos });
      const r = byName.get(`${p.name}${REBUILD_SUFFIX}`);
      let rebuild: ProjectionStatus['rebuild'] = null;
      if (r) {
        const left = await this.store.lagAfter(r);
        rebuild = { position: r.position, events: left.events };
      }
      out.push({
        name: p.name,
        state: r ? 'rebuilding' : (c?.state ?? 'running'),
        checkpoint: { position: pos, transactionId: txid },
        head: head.position,
        lag: { events: lag.events, seconds: lag.oldest ? Math.max(0, (Date.now() - lag.oldest.getTime()) / 1000) : 0 },
        generation: c?.generation ?? 1,
        updatedAt: c?.updatedAt.toISOString() ?? null,
        lastError: c?.lastError ?? null,
        failedPosition: c?.failedPosition ?? null,
        rebuild,
        parked: parked.get(p.name) ?? [],
      });
    }
    return out;
  }
}
