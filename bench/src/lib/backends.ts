import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresBrain } from '@astrocyte/brain-postgres';
import { createSqliteBrain, type SqliteMemoryStore } from '@astrocyte/brain-sqlite';
import type { Astrocyte, Embedder } from '@astrocyte/core';
import pg from 'pg';

/** The storage backends the benchmarks compare. */
export const BACKENDS = ['sqlite', 'postgres'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** A brain on a fresh, empty store, and how to throw the store away afterwards. */
export interface BenchBrain {
  backend: BackendName;
  brain: Astrocyte;
  /** SQLite: the database file. Postgres: the schema. */
  location: string;
  dispose(): Promise<void>;
}

/** A random suffix for bank ids, schemas and files, so that runs never share state. */
export function randomSuffix(): string {
  return randomBytes(5).toString('hex');
}

/**
 * Opens a brain on a new store: a SQLite file in a temporary directory (a file, not `:memory:`, because that is how
 * it is used and the page cache then stays outside the process's own heap), or a new schema on Postgres.
 */
export async function openBenchBrain(
  backend: BackendName,
  options: { postgresUrl: string; embedder?: Embedder; vectorWeight?: number },
): Promise<BenchBrain> {
  const tuning = {
    ...(options.embedder ? { embedder: options.embedder } : {}),
    ...(options.vectorWeight !== undefined ? { recall: { vectorWeight: options.vectorWeight } } : {}),
  };
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'astrocyte-bench-'));
    const path = join(dir, 'bench.db');
    const brain = await createSqliteBrain({ path, ...tuning });
    return {
      backend,
      brain,
      location: path,
      async dispose() {
        await brain.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `bench_${randomSuffix()}`;
  const brain = await createPostgresBrain({
    connectionString: options.postgresUrl,
    schema,
    ...tuning,
  });
  return {
    backend,
    brain,
    location: schema,
    async dispose() {
      await brain.close();
      await dropSchema(options.postgresUrl, schema);
    },
  };
}

/** Drops a benchmark schema and everything in it. */
export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Refreshes the planner statistics of a benchmark schema's memories table, and with `vacuum` also its visibility map,
 * as autovacuum does after a bulk load (insert-only tables included, since Postgres 13).
 */
export async function analyzeTable(connectionString: string, schema: string, vacuum = false): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`${vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE'} "${schema.replaceAll('"', '""')}".memories`);
  } finally {
    await client.end();
  }
}

/** The better-sqlite3 connection under a SQLite brain, for the raw baseline queries. */
export function sqliteDatabase(brain: Astrocyte): SqliteMemoryStore['database'] {
  return (brain.store as SqliteMemoryStore).database;
}

/** Whether a Postgres server answers at `url`; the benchmarks skip Postgres with a notice when none does. */
export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
