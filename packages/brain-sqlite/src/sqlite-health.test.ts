import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEmbedder } from '@astrocyte/core';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';
import { SCHEMA_VERSION } from './migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-sqlite-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dbPath = () => join(dir, `${randomUUID()}.db`);

/** The SQLite and sqlite-vec this process loads, asked on a connection of its own. */
function loadedVersions(): { sqlite: string; vec: string } {
  const database = new Database(':memory:');
  try {
    sqliteVec.load(database);
    return database.prepare('SELECT sqlite_version() AS sqlite, vec_version() AS vec').get() as {
      sqlite: string;
      vec: string;
    };
  } finally {
    database.close();
  }
}

describe('sqlite health', () => {
  it('describes the file: SQLite and sqlite-vec versions, schema version, the recorded embedder, counts', async () => {
    const path = dbPath();
    const brain = await createSqliteBrain({ path, embedder: new LocalEmbedder({ dimensions: 64 }) });
    await brain.retain('The plumber comes on Tuesday', { bankId: 'house' });
    await brain.retain('The gutter needs clearing', { bankId: 'house' });
    await brain.retain('Dentist on the 3rd', { bankId: 'health' });
    const { sqlite, vec } = loadedVersions();
    expect(await brain.health()).toMatchObject({
      ok: true,
      backend: 'sqlite',
      store: {
        reachable: true,
        engine: { name: 'SQLite', version: sqlite },
        location: path,
        vectorExtension: { name: 'sqlite-vec', version: vec },
        schemaVersion: { current: SCHEMA_VERSION, latest: SCHEMA_VERSION },
      },
      embedder: {
        configured: { name: 'local-hash-v1', dimensions: 64 },
        recorded: { name: 'local-hash-v1', dimensions: 64 },
        matches: true,
      },
      counts: { memories: 3, banks: 2 },
    });
    await brain.close();
  });

  it('reports an embedder another process switched the file to, instead of going on with the old one', async () => {
    const path = dbPath();
    const brain = await createSqliteBrain({ path });
    await brain.retain('Standup moved to 9:45', { bankId: 'team' });
    // What a re-embed run in another process leaves behind when it switches the store to a new model.
    const other = new Database(path);
    other
      .prepare("UPDATE astrocyte_meta SET value = ? WHERE key = 'embedder'")
      .run(JSON.stringify({ name: 'openai:text-embedding-3-small', dimensions: 256 }));
    other.close();
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
    const brain = await createSqliteBrain({ path: dbPath() });
    await brain.close();
    await expect(brain.banks()).rejects.toMatchObject({ code: 'store_closed' });
    const report = await brain.health();
    expect(report).toMatchObject({
      ok: false,
      store: { reachable: false, error: { code: 'store_closed', message: 'sqlite: the store is closed' } },
      embedder: { recorded: null, matches: null },
      counts: null,
      lastError: { operation: 'banks', code: 'store_closed' },
    });
  });
});
