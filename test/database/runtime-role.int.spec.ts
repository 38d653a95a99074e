import { Client } from 'pg';
import { provisionRuntimeRole } from '../../src/database/runtime-role';
import { TestDatabase, createTestDatabase } from '../support/database';

/**
 * Every process that starts re-applies the runtime role's grants. The running ones must never
 * see the role without its rights on the log meanwhile: a reader as the runtime role keeps
 * querying `events` while the grants are re-applied again and again, and is never refused.
 */
describe('runtime role grants (int, real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('runtimerole');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('re-applying the grants while the service reads the log never leaves it without its rights', async () => {
    const runtimeUrl = await provisionRuntimeRole(db.url);
    const reader = new Client({ connectionString: runtimeUrl });
    await reader.connect();
    let reapplying = true;
    const refusals: string[] = [];
    let reads = 0;
    const reading = (async () => {
      while (reapplying) {
        try {
          await reader.query('SELECT count(*) FROM events');
          reads++;
        } catch (err) {
          refusals.push((err as Error).message);
        }
      }
    })();
    try {
      for (let i = 0; i < 40; i++) await provisionRuntimeRole(db.url);
    } finally {
      reapplying = false;
      await reading;
      await reader.end();
    }
    expect(reads).toBeGreaterThan(40);
    expect(refusals).toEqual([]);
  });
});
