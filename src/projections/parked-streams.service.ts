import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EventStore, WrongExpectedVersionError } from '../events/event-store.port';
import type { EventMetadata, StoredEvent } from '../events/envelope';
import { Checkpoints, PROGRESS_CHANNEL, cp, progressPayload } from './checkpoints';
import { PROJECTION_EVENT_SKIPPED, ParkedStream, ParkedStreams, ProjectionEventSkipped, decisionStream } from './parked-streams';
import { type Projection, readsType } from './projection';
import { ProjectionRunner, checkpointName, lockKey } from './projection.runner';

export interface ResumeResult {
  stream: string;
  /** Events of the stream applied now. */
  applied: number;
  /** Still parked: the event it stopped on again, and why. */
  parked: { position: string; error: string } | null;
}

export class NotParkedError extends Error {
  constructor(
    readonly projection: string,
    readonly position: string,
  ) {
    super(`no stream is parked in projection ${projection} at position ${position}; GET /v1/admin/projections lists the parked ones`);
  }
}

/**
 * An operator's answers to a parked stream: retry (after a fix) re-applies the stream's waiting
 * events in order; skip records, as an event in the log with the admin as actor, that the
 * projection passes over the one event it stopped on, and then resumes the stream.
 */
@Injectable()
export class ParkedStreamsService {
  private readonly logger = new Logger(ParkedStreamsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  /** Every parked stream of the live model, oldest first; each in its own transaction. */
  async retry(p: Projection): Promise<ResumeResult[]> {
    const parked = await ParkedStreams.list(this.db.manager, p.name);
    const out: ResumeResult[] = [];
    for (const s of parked) out.push(await this.resume(p, s.stream));
    return out;
  }

  async skip(p: Projection, position: string, reason: string, metadata: EventMetadata): Promise<{ decision: StoredEvent; parked: ParkedStream; resumed: ResumeResult }> {
    const parked = (await ParkedStreams.list(this.db.manager, p.name)).find((s) => s.position === position);
    if (!parked) throw new NotParkedError(p.name, position);
    const data: ProjectionEventSkipped = { projection: p.name, position, streamId: parked.stream, reason };
    const decision = await this.appendDecision(p.name, data, metadata);
    await this.db.transaction(async (tx) => {
      // A rebuild under way started from the log's decisions before this one: it gets it too.
      await Checkpoints.skip(tx, checkpointName(p, 'live'), position);
      await Checkpoints.skip(tx, checkpointName(p, 'rebuild'), position);
    });
    this.logger.warn({ projection: p.name, position, stream: parked.stream, actor: metadata.actor, reason }, 'event skipped by an operator');
    return { decision, parked, resumed: await this.resume(p, parked.stream) };
  }

  /**
   * Re-applies a parked stream's events, from the parked one up to the checkpoint (those after
   * it are read by the runner as usual), under the live model's lock; the stream is released
   * when all apply, else stays parked on the one that failed.
   */
  private async resume(p: Projection, stream: string): Promise<ResumeResult> {
    const name = checkpointName(p, 'live');
    const applied: StoredEvent[] = [];
    const result = await this.db.transaction(async (tx): Promise<ResumeResult> => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1)) FROM (SELECT set_config('lock_timeout', '5s', true)) AS t`, [lockKey(name)]);
      const row = (await Checkpoints.get(tx, name, true))!;
      const parked = (await ParkedStreams.list(tx, name)).find((s) => s.stream === stream);
      if (!parked) return { stream, applied: 0, parked: null };
      const skipped = new Set(row.skipped);
      const events = (await this.runner.streamBetween(tx, stream, cp(parked), cp(row))).filter((e) => readsType(p, e.type) && !skipped.has(e.position));
      const ctx = this.runner.context(tx, p, 'live');
      for (const e of events) {
        const error = await this.runner.applyGuarded(ctx, p, e);
        if (error !== null) {
          await ParkedStreams.repark(tx, name, e, error);
          return { stream, applied: applied.length, parked: { position: e.position, error } };
        }
        applied.push(e);
      }
      await ParkedStreams.release(tx, name, stream);
      await this.notify(tx, name, row);
      return { stream, applied: applied.length, parked: null };
    });
    if (applied.length && p.afterCommit) await p.afterCommit(applied).catch((err: unknown) => this.logger.warn({ err, projection: p.name }, 'after-commit step failed after a retry'));
    return result;
  }

  /** Readers that wait on, or cache by, the live model hear that it changed (at commit), as after a batch. */
  private async notify(tx: EntityManager, name: string, row: { transactionId: string; position: string }): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [PROGRESS_CHANNEL, progressPayload(name, cp(row))]);
  }

  private async appendDecision(projection: string, data: ProjectionEventSkipped, metadata: EventMetadata): Promise<StoredEvent> {
    const stream = decisionStream(projection);
    for (let attempt = 0; ; attempt++) {
      const version = (await this.store.readStream(stream)).length;
      try {
        const r = await this.store.append(stream, version, [{ type: PROJECTION_EVENT_SKIPPED, data }], metadata);
        return r.events[0];
      } catch (err) {
        if (!(err instanceof WrongExpectedVersionError) || attempt >= 3) throw err;
      }
    }
  }
}
