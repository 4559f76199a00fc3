import { describeAccessConformance } from '@astrocyte/core/testing';
import { describe, it } from 'vitest';
import { openPostgresStore } from './postgres-memory-store.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas } = await postgresTestFile();

if (available) {
  describeAccessConformance('postgres', {
    create: () => openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: schemas.next(), maxConnections: 4 }),
  });
} else {
  describe.skip('postgres access (Postgres unreachable)', () => it('needs Postgres', () => undefined));
}
