import { InMemoryEventStore, InMemoryLog } from '../../src/events/in-memory-event-store';
import { PostgresEventStore } from '../../src/events/postgres-event-store';
import { UpcasterRegistry } from '../../src/events/upcasters';
import { eventStoreContract } from '../harness/event-store.contract';
import { TestDatabase, createTestDatabase } from '../support/database';

eventStoreContract('in memory', {
  async setUp() {
    const log = new InMemoryLog();
    return (upcasters = new UpcasterRegistry()) => new InMemoryEventStore(upcasters, log);
  },
});

let db: TestDatabase | undefined;
eventStoreContract('PostgreSQL', {
  async setUp() {
    db = await createTestDatabase('store_contract');
    const database = db;
    return (upcasters = new UpcasterRegistry()) => new PostgresEventStore(database.dataSource, upcasters);
  },
  async tearDown() {
    await db?.drop();
  },
});
