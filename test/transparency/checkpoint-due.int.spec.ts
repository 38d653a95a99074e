import { randomBytes } from 'node:crypto';
import type { StoredEvent } from '../../src/events/envelope';
import { CheckpointService } from '../../src/modules/audit/transparency/checkpoint.service';
import { SealerProjection } from '../../src/modules/audit/transparency/sealer.projection';
import { TestDatabase, createTestDatabase } from '../support/database';
import { countingDataSource } from '../support/statements';
import { waitFor } from '../support/wait';
import { testConfig } from '../support/worker';

const INTERVAL_SECONDS = 1;

describe('CheckpointService.issueIfDue against PostgreSQL', () => {
  let db: TestDatabase;
  let counted: Awaited<ReturnType<typeof countingDataSource>>;
  let service: CheckpointService;
  let sealed = 0;

  /** Seals one more (made-up) event into the tree, as the sealer projection does in its batch. */
  async function sealOne(): Promise<void> {
    const n = ++sealed;
    const e = { position: String(n), streamId: `s-${n}`, version: 1, hash: randomBytes(32).toString('hex') } as StoredEvent;
    await db.dataSource.transaction((tx) => new SealerProjection(service).apply([e], { tx, slot: 'live', table: (t) => t }));
  }

  beforeAll(async () => {
    db = await createTestDatabase('checkpoint_due');
    counted = await countingDataSource(db.url);
    service = new CheckpointService(counted.dataSource, testConfig(db.url, 'checkpoint-due', { CHECKPOINT_INTERVAL_SECONDS: String(INTERVAL_SECONDS) }));
  });

  afterAll(async () => {
    if (counted?.dataSource.isInitialized) await counted.dataSource.destroy();
    if (db) await db.drop();
  });

  it('given a checkpoint just issued, when the sealer asks again and again within the interval, then only the first ask reads the database, and once the interval has passed the grown tree gets its checkpoint', async () => {
    await sealOne();
    expect((await service.issueIfDue())?.treeSize).toBe(1);

    await sealOne();
    counted.statements.length = 0;
    expect(await service.issueIfDue()).toBeUndefined(); // reads when the next one is due
    expect(counted.statements.length).toBeGreaterThan(0);

    counted.statements.length = 0;
    for (let i = 0; i < 5; i++) expect(await service.issueIfDue()).toBeUndefined();
    expect(counted.statements).toEqual([]);

    const next = await waitFor('the next checkpoint once the interval has passed', () => service.issueIfDue(), 10_000, 50);
    expect(next.treeSize).toBe(2);
    const rows: { n: number }[] = await db.dataSource.query('SELECT count(*)::int AS n FROM transparency_checkpoints');
    expect(rows[0].n).toBe(2);
  });
});
