import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventStore, WrongExpectedVersionError } from '../../../events/event-store.port';
import { REMINDER_HORIZON_EXTENDED, REMINDER_HORIZON_STREAM, ReminderHorizonExtended } from '../domain/horizon-events';
import { HORIZON_MARGIN_MS, REMINDER_HORIZON_MS } from '../domain/occurrence-plan';
import { EVENTS_TABLE } from './tables';

/**
 * Moves the live series' rolling horizons on (wall clock: the one step of planning not made by
 * a calendar or subscription event). When a series has less than the longest lead time plus half
 * the margin planned, it appends `ReminderHorizonExtended {asOf}` to the log, and the
 * reminder-plan projection extends every such series to asOf + the full horizon, so the rows of
 * an instance exist days before its earliest reminder is due. Recorded in the log rather than
 * written beside it, a rebuild replays the same extensions, and `rebuild --verify` compares like
 * with like.
 */
@Injectable()
export class HorizonExtender {
  /** The horizon stream's version as this process last saw it. */
  private version?: number;
  private readonly logger = new Logger(HorizonExtender.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: EventStore,
  ) {}

  /** Appends the extension when some series is due as of `now`; returns its log position, or null when none is. */
  async extend(now = new Date()): Promise<{ position: string | null; due: number }> {
    const due = new Date(now.getTime() + REMINDER_HORIZON_MS - HORIZON_MARGIN_MS / 2);
    const [{ n }]: { n: number }[] = await this.db.query(`SELECT count(*)::int AS n FROM ${EVENTS_TABLE} WHERE status = 'series' AND series->>'status' = 'scheduled' AND horizon_until < $1`, [due]);
    if (n === 0) return { position: null, due: 0 };
    const data: ReminderHorizonExtended = { asOf: now.toISOString() };
    const metadata = { actor: 'system', correlationId: randomUUID(), causationId: randomUUID() };
    // The stream grows by one event an extension: it is read once per process, then the version
    // is carried forward (and corrected from the store's answer when another worker appended).
    this.version ??= (await this.store.readStream(REMINDER_HORIZON_STREAM)).length;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.store.append(REMINDER_HORIZON_STREAM, this.version, [{ type: REMINDER_HORIZON_EXTENDED, data: { ...data } }], metadata);
        this.version = r.version;
        this.logger.log({ series: n, asOf: data.asOf, position: r.position }, 'reminder horizon extension recorded');
        return { position: r.position, due: n };
      } catch (err) {
        // Two workers at once: appended after the other, this one finds nothing left to move on.
        if (err instanceof WrongExpectedVersionError && attempt < 3) {
          this.version = err.actualVersion;
          continue;
        }
        throw err;
      }
    }
  }
}
