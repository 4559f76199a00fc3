import { describeBrainConformance, describeMemoryStoreConformance, type StoreFactory } from '@astrocyte/core/testing';
import { describe, it } from 'vitest';
import { openPostgresStore, type PostgresMemoryStore } from './postgres-memory-store.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas } = await postgresTestFile();

// Every store gets a schema of its own, so both suites run against empty stores in parallel with other files.
const factory: StoreFactory = {
  create: () => openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: schemas.next(), maxConnections: 4 }),
  reopen: (store) =>
    openPostgresStore({
      connectionString: TEST_DATABASE_URL,
      schema: (store as PostgresMemoryStore).schema,
      maxConnections: 4,
    }),
};

if (available) {
  describeMemoryStoreConformance('postgres', factory);
  describeBrainConformance('postgres', factory);
} else {
  describe.skip('postgres conformance (Postgres unreachable)', () => it('needs Postgres', () => undefined));
}
