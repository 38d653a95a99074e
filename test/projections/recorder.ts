import type { DataSource } from 'typeorm';
import type { Projection } from '../../src/projections/projection';

/** Where recording projections write: applying an event a second time breaks the primary key. */
export const createSeenTable = (db: DataSource): Promise<unknown> => db.query('CREATE TABLE seen (name text, stream text, position bigint, PRIMARY KEY (name, position))');

/** A projection that records every event it applies, and refuses events of type `Poison` while `refuses()` says so. */
export const recorder = (name: string, refuses: () => boolean = () => false): Projection => ({
  name,
  eventTypes: ['Good', 'Poison'],
  tables: ['seen'],
  async apply(batch, c) {
    for (const e of batch) {
      if (e.type === 'Poison' && refuses()) throw new Error('cannot digest this');
      await c.tx.query(`INSERT INTO ${c.table('seen')} (name, stream, position) VALUES ($1, $2, $3)`, [name, e.streamId, e.position]);
    }
  },
});

/** What a recorder has applied, in log order. */
export const seenBy = (db: DataSource, name: string): Promise<{ stream: string; position: string }[]> =>
  db.query('SELECT stream, position::text AS position FROM seen WHERE name = $1 ORDER BY position', [name]);
