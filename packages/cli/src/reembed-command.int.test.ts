import { randomBytes } from 'node:crypto';
import { fakeProviderServerPerTest } from '@astrocyte/core/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tempProject } from './cli-process.fixture.js';
import { postgresAnswers, TEST_DATABASE_URL } from './postgres.fixture.js';
import { MEMORIES, NEW_EMBEDDER, reembedKilledAndResumed } from './reembed-scenario.fixture.js';

const postgres = await postgresAnswers("astrocyte reembed's Postgres tests");
const fake = fakeProviderServerPerTest();
const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
const schema = `astro_reembed_${randomBytes(6).toString('hex')}`;
afterAll(async () => {
  if (postgres) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

// Every test spawns several real processes; on a loaded machine that takes a while.
describe.runIf(postgres)('astrocyte reembed on Postgres', { timeout: 300_000 }, () => {
  it('moves 5,000 memories to a model of another dimension across a SIGKILL, recall answering throughout', async () => {
    await reembedKilledAndResumed(
      tempProject(),
      {
        storageYaml: `storage:\n  backend: postgres\n  postgres:\n    url: ${TEST_DATABASE_URL}\n    schema: ${schema}\n`,
        vectors: async () => {
          const { rows } = await admin.query<{ bank_id: string; id: string; text: string; embedding: string }>(
            `SELECT bank_id, id, text, embedding::text AS embedding FROM "${schema}".memories`,
          );
          return rows.map((row) => ({
            bankId: row.bank_id,
            id: row.id,
            text: row.text,
            vector: Float32Array.from(JSON.parse(row.embedding) as number[]),
          }));
        },
        stagedRows: async () =>
          Number((await admin.query(`SELECT count(*) AS n FROM "${schema}".reembed_vectors`)).rows[0]?.n),
      },
      fake.server,
    );
    // The column has the new type and dimension, every row fills it, and the HNSW index was rebuilt on it.
    const { rows } = await admin.query(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type,
              (SELECT count(*) FROM "${schema}".memories WHERE vector_dims(embedding) = $2)::int AS sized,
              (SELECT indexdef FROM pg_indexes WHERE schemaname = $3 AND indexname = 'memories_embedding_hnsw_idx') AS index
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'embedding' AND NOT a.attisdropped`,
      [`"${schema}".memories`, NEW_EMBEDDER.dimensions, schema],
    );
    expect(rows).toEqual([
      { type: `vector(${NEW_EMBEDDER.dimensions})`, sized: MEMORIES, index: expect.stringContaining('halfvec(256)') },
    ]);
  });
});
