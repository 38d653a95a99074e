import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { StoredEvent } from '../../src/events/envelope';
import type { Projection, ProjectionContext } from '../../src/projections/projection';
import { tableName } from '../../src/projections/projection.runner';

/** An event as a spec gives it: its stream, type and data; the rest is filled in like the store would. */
export interface SpecEvent {
  streamId: string;
  type: string;
  data: object;
  /** Default: one minute after the event before it, from 2026-01-01T00:00:00Z. */
  recordedAt?: string;
  actor?: string;
}

/** What an assertion reads with: queries inside the spec's transaction, before it is rolled back. */
export interface SpecDatabase {
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

type Mode = 'event by event' | 'as one batch';

const BASE = Date.parse('2026-01-01T00:00:00Z');

/** Versions per stream, positions in order, one transaction each: what the log would hand out. */
function stored(events: SpecEvent[]): StoredEvent[] {
  const versions = new Map<string, number>();
  let at = BASE;
  return events.map((e, i) => {
    const version = (versions.get(e.streamId) ?? 0) + 1;
    versions.set(e.streamId, version);
    at = e.recordedAt ? Date.parse(e.recordedAt) : at + 60_000;
    const position = String(i + 1);
    return {
      id: randomUUID(),
      position,
      transactionId: position,
      streamId: e.streamId,
      version,
      type: e.type,
      schemaVersion: 1,
      data: JSON.parse(JSON.stringify(e.data)) as Record<string, unknown>,
      metadata: { actor: e.actor ?? 'user:spec', correlationId: 'spec', causationId: 'spec' },
      recordedAt: new Date(at),
      prevHash: '',
      hash: '',
    };
  });
}

/**
 * A projection run against the real PostgreSQL from a list of events, in the manner of Emmett's
 * PostgreSQLProjectionSpec: `ProjectionSpec.for(projection, db).given(events).when(events).then(check)`.
 * Each scenario runs twice — every event as a batch of one, then each of `given` and `when` as
 * one batch — inside a transaction rolled back afterwards, and must satisfy `check` both ways
 * (the runner applies a batch whole, or event by event to find a failing one). Only the projection's event
 * types reach it, as the runner filters them. No API, queue or Redis.
 */
export const ProjectionSpec = {
  for(projection: Projection, database: () => DataSource) {
    async function run(mode: Mode, given: StoredEvent[], when: StoredEvent[], check: (db: SpecDatabase) => Promise<void>): Promise<void> {
      const runner = database().createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        const tx: EntityManager = runner.manager;
        const ctx: ProjectionContext = {
          tx,
          slot: 'live',
          table: (name) => {
            if (!projection.tables.includes(name)) throw new Error(`projection ${projection.name} does not own table ${name}`);
            return tableName(name, 'live');
          },
        };
        for (const events of [given, when]) {
          const relevant = events.filter((e) => projection.eventTypes.includes(e.type));
          if (mode === 'as one batch') {
            if (relevant.length) await projection.apply(relevant, ctx);
          } else {
            for (const e of relevant) await projection.apply([e], ctx);
          }
        }
        await check({ rows: async <T>(sql: string, params: unknown[] = []) => (await tx.query(sql, params)) as T[] });
      } catch (err) {
        if (err instanceof Error) err.message = `[${projection.name}, ${mode}] ${err.message}`;
        throw err;
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    }

    const modes: Mode[] = ['event by event', 'as one batch'];
    return {
      given(...givenEvents: SpecEvent[]) {
        return {
          when(...whenEvents: SpecEvent[]) {
            const [given, when] = ((all) => [all.slice(0, givenEvents.length), all.slice(givenEvents.length)])(stored([...givenEvents, ...whenEvents]));
            return {
              /** The projection's tables satisfy `check` after the events, applied either way. */
              async then(check: (db: SpecDatabase) => Promise<void>): Promise<void> {
                for (const mode of modes) await run(mode, given, when, check);
              },
              /** `sql` returns exactly these rows after the events, applied either way. */
              async thenRows(sql: string, expected: Record<string, unknown>[]): Promise<void> {
                await this.then(async (db) => expect(await db.rows(sql)).toEqual(expected));
              },
              /** The projection refuses the events (and so would stop, naming the event). */
              async thenThrows(message: RegExp): Promise<void> {
                for (const mode of modes) {
                  await expect(run(mode, given, when, async () => undefined)).rejects.toThrow(message);
                }
              },
            };
          },
        };
      },
    };
  },
};
