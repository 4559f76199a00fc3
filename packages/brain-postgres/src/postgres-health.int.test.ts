import { LocalEmbedder } from '@astrocyte/core';
import { describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import { MIGRATIONS } from './migrations.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas, admin } = await postgresTestFile();

describe.runIf(available)('postgres health', () => {
  it('describes the store: server and pgvector versions as installed, schema version, the recorded embedder, counts', async () => {
    const schema = schemas.next();
    const brain = await createPostgresBrain({
      connectionString: TEST_DATABASE_URL,
      schema,
      embedder: new LocalEmbedder({ dimensions: 64 }),
    });
    await brain.retain('The plumber comes on Tuesday', { bankId: 'house' });
    await brain.retain('The gutter needs clearing', { bankId: 'house' });
    await brain.retain('Dentist on the 3rd', { bankId: 'health' });
    const { rows } = await admin.query<{ server: string; vector: string; database: string }>(
      `SELECT current_setting('server_version') AS server, current_database() AS database,
              (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector`,
    );
    const installed = rows[0] as { server: string; vector: string; database: string };
    const url = new URL(TEST_DATABASE_URL);
    const latest = MIGRATIONS.at(-1)?.version;
    expect(await brain.health()).toMatchObject({
      ok: true,
      backend: 'postgres',
      store: {
        reachable: true,
        engine: { name: 'PostgreSQL', version: installed.server.split(' ')[0] },
        location: `${url.hostname}:${url.port || 5432}/${installed.database}, schema ${schema}`,
        vectorExtension: { name: 'pgvector', version: installed.vector },
        schemaVersion: { current: latest, latest },
      },
      embedder: {
        configured: { name: 'local-hash-v1', dimensions: 64 },
        recorded: { name: 'local-hash-v1', dimensions: 64 },
        matches: true,
      },
      counts: { memories: 3, banks: 2 },
      lastError: null,
    });
    await brain.close();
  });

  it('reports an embedder another process switched the schema to, instead of going on with the old one', async () => {
    const schema = schemas.next();
    const brain = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema });
    await brain.retain('Standup moved to 9:45', { bankId: 'team' });
    // What a re-embed run in another process leaves behind when it switches the store to a new model.
    await admin.query(
      `UPDATE "${schema}".meta SET value = value || '{"name": "openai:text-embedding-3-small", "dimensions": 256}' WHERE key = 'embedder'`,
    );
    expect(await brain.health()).toMatchObject({
      ok: false,
      store: { reachable: true },
      embedder: {
        configured: { name: 'local-hash-v1', dimensions: 384 },
        recorded: { name: 'openai:text-embedding-3-small', dimensions: 256 },
        matches: false,
      },
      counts: { memories: 1, banks: 1 },
    });
    await brain.close();
  });

  it('reports a closed store as not reachable, with its code, instead of throwing', async () => {
    const brain = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema: schemas.next() });
    await brain.close();
    await expect(brain.recall('anything', { bankId: 'team' })).rejects.toMatchObject({ code: 'store_closed' });
    expect(await brain.health()).toMatchObject({
      ok: false,
      store: {
        reachable: false,
        error: { code: 'store_closed', message: '@astrocyte/brain-postgres: the store is closed' },
      },
      embedder: { recorded: null, matches: null },
      counts: null,
      lastError: { operation: 'recall', code: 'store_closed' },
    });
  });
});
