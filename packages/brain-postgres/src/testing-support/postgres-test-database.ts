import { randomBytes } from 'node:crypto';
import type { EmbedderInfo } from '@astrocyte/core/backend';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openPostgresStore, type PostgresMemoryStore } from '../postgres-memory-store.js';
import type { PostgresStoreOptions } from '../store-options.js';

/** The database the integration tests use. */
export const TEST_DATABASE_URL = process.env.ASTROCYTE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const required = process.env.CI === 'true' || process.env.ASTROCYTE_REQUIRE_POSTGRES === '1';

/**
 * Whether the test database answers. Unreachable is a failure (thrown) in CI or with ASTROCYTE_REQUIRE_POSTGRES=1,
 * and otherwise a loud warning, so that nobody mistakes skipped Postgres tests for passing ones.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const reason = `Postgres tests cannot reach ${redact(TEST_DATABASE_URL)}: ${(error as Error).message}`;
    if (required) throw new Error(`${reason} (required because CI=true or ASTROCYTE_REQUIRE_POSTGRES=1)`);
    console.warn(
      `\n${'!'.repeat(100)}\n!! SKIPPING: ${reason}\n!! Run scripts/setup-postgres.sh or docker compose up -d, or set ASTROCYTE_TEST_DATABASE_URL.\n${'!'.repeat(100)}\n`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name no other test uses. */
export function randomSchema(prefix = 'astro_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Hands out fresh schema names and drops them all at the end of a test file. */
export class TestSchemas {
  private readonly names: string[] = [];

  /** A new schema name, remembered for `dropAll`. */
  next(prefix?: string): string {
    const name = randomSchema(prefix);
    this.names.push(name);
    return name;
  }

  /** Drops every schema handed out. */
  async dropAll(): Promise<void> {
    if (this.names.length === 0) return;
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      for (const name of this.names.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    } finally {
      await client.end();
    }
  }
}

/** What an integration test file gets from `postgresTestFile`. */
export interface PostgresTestFile {
  /** Whether the database answers: gate the file's suites on it with `describe.runIf(available)`. */
  available: boolean;
  /** The file's schemas, all dropped after the file. */
  schemas: TestSchemas;
  /** A small pool for the tests' own queries (raw tables, catalogs), ended after the file; it connects when used. */
  admin: pg.Pool;
  /** Opens a store on a new schema and records `embedder` in it; `options` as for `openPostgresStore`. */
  openStore(
    embedder: EmbedderInfo,
    options?: Omit<PostgresStoreOptions, 'schema' | 'connectionString'>,
  ): Promise<PostgresMemoryStore>;
}

/**
 * The Postgres setup of an integration test file; call it once, at the top level. It checks the database as
 * `postgresAvailable` does (a failure in CI, a loud skip on a laptop) and cleans up after the file.
 */
export async function postgresTestFile(): Promise<PostgresTestFile> {
  const available = await postgresAvailable();
  const schemas = new TestSchemas();
  const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  afterAll(async () => {
    await schemas.dropAll();
    await admin.end();
  });
  const openStore: PostgresTestFile['openStore'] = async (embedder, options = {}) => {
    const where = options.pool ? {} : { connectionString: TEST_DATABASE_URL };
    const store = await openPostgresStore({ ...where, ...options, schema: schemas.next() });
    await store.ensureEmbedder({ name: embedder.name, dimensions: embedder.dimensions });
    return store;
  };
  return { available, schemas, admin, openStore };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
