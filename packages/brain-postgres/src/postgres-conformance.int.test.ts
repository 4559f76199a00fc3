import type { MemoryStore } from '@astrocyte/core';
import {
  type AccessLedgerFactory,
  describeAccessLedgerConformance,
  describeBrainConformance,
  describeMemoryStoreConformance,
} from '@astrocyte/core/testing';
import { describe, it } from 'vitest';
import { openPostgresStore, type PostgresMemoryStore } from './postgres-memory-store.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas } = await postgresTestFile();

// Every store gets a schema of its own, so both suites run against empty stores in parallel with other files.
// Another store on the same schema serves after the first is closed (reopen) or beside it, as another process would
// have (sibling).
const sameSchema = (store: MemoryStore) =>
  openPostgresStore({
    connectionString: TEST_DATABASE_URL,
    schema: (store as PostgresMemoryStore).schema,
    maxConnections: 4,
  });
const factory: AccessLedgerFactory = {
  create: () => openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: schemas.next(), maxConnections: 4 }),
  reopen: sameSchema,
  sibling: sameSchema,
};

if (available) {
  describeMemoryStoreConformance('postgres', factory);
  describeBrainConformance('postgres', factory);
  describeAccessLedgerConformance('postgres', factory);
} else {
  describe.skip('postgres conformance (Postgres unreachable)', () => it('needs Postgres', () => undefined));
}
