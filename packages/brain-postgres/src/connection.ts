import { type AstrocyteError, StorageError } from '@astrocyte/core';
import pg from 'pg';
import { quoteIdent, type StoreSql } from './schema.js';
import {
  type ServerAddress,
  serverAddress,
  storeClosed,
  translateError,
  vectorExtensionMissing,
} from './storage-errors.js';
import type { ResolvedPostgresStoreOptions } from './store-options.js';

/**
 * The store's pool: opened here or brought by the caller (and then left open at close), with the query and
 * transaction helpers every room uses, which refuse work after close and turn driver errors into StorageErrors.
 */
export class PostgresConnection {
  private closed = false;
  // The operations running, which close waits for: pg's pool never answers a caller queued for a connection once it
  // is ended, so a close amid operations left them pending for ever.
  private readonly running = new Set<Promise<unknown>>();

  private constructor(
    readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    readonly address: ServerAddress,
  ) {}

  /** Adopts the caller's pool or creates one from the connection options; connects lazily. */
  static open(options: ResolvedPostgresStoreOptions): PostgresConnection {
    const ownsPool = options.pool === undefined;
    const pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectionTimeoutMillis,
      });
    // An idle connection that dies (server restart) must not crash the process; the next query reports it.
    if (ownsPool) pool.on('error', () => undefined);
    return new PostgresConnection(pool, ownsPool, serverAddress(options.connectionString, options.pool));
  }

  /** Runs one statement on any pooled connection. */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    this.assertOpen();
    return this.guard(() => this.pool.query<R>(text, values));
  }

  /**
   * Runs `fn` between BEGIN and COMMIT on one connection. A connection that failed (the server ended it: a restart,
   * pg_terminate_backend, idle_in_transaction_session_timeout) is destroyed, not pooled again.
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.guard(async () => {
      const client = await this.pool.connect();
      // pg emits 'error' on a client whose connection ends between statements, and the pool listens only while the
      // client is idle: without this listener the event would crash the process.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost ??= error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // Once the connection is lost, the statement that failed next ("not queryable") says less than why.
        const cause = lost ?? error;
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          lost ??= rollbackError;
        });
        throw cause;
      } finally {
        client.off('error', onError);
        client.release(lost);
      }
    });
  }

  /** Runs `fn`, translating what it throws into a StorageError with a stable code; close waits for it. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    // Async, so that what fn throws before its first await also rejects the run.
    const run = (async () => fn())();
    this.running.add(run);
    try {
      return await run;
    } catch (error) {
      throw this.translate(error);
    } finally {
      this.running.delete(run);
    }
  }

  /** The StorageError for a driver or server error; Astrocyte errors pass through. */
  translate(error: unknown): AstrocyteError {
    return translateError(error, this.address, this.pool);
  }

  /** Throws `store_closed` once the store is closed. */
  assertOpen(): void {
    if (this.closed) throw storeClosed();
  }

  /**
   * Refuses new work, lets the operations running finish (each settles: an operation's later statements are refused
   * with `store_closed`), then ends the pool if this store created it; a pool passed in stays open for its owner.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.running);
    if (this.ownsPool) await this.pool.end();
  }

  /**
   * Makes erasure physical. Erasing a memory leaves its text, tags, metadata and vector as dead bytes in the table
   * and index files, which VACUUM only marks free; this rewrites the store's tables and rebuilds their indexes
   * (VACUUM FULL) so that those bytes leave the files. Each table is held under an ACCESS EXCLUSIVE lock while it is
   * rewritten: every read and write of the store, from any process, waits until it is done, for a time that grows
   * with the table. It needs the tables' owner and free disk space for a copy of each table. Rows erased while a
   * transaction still open in the database could see them are copied along: run it when none is. The WAL, replicas
   * and backups keep the old bytes until they are recycled.
   */
  async compact(sql: StoreSql): Promise<void> {
    await this.query(`VACUUM (FULL) ${sql.memories}, ${sql.versions}`);
  }

  /** Ends a pool this store created, after opening failed; the caller reports the failure. */
  async release(): Promise<void> {
    if (this.ownsPool) await this.pool.end().catch(() => undefined);
  }
}

/** What the store needs to know about the installed pgvector. */
export interface VectorExtension {
  /** Quoted schema of the extension, so that type and operator names resolve whatever the search_path. */
  schema: string;
  version: string;
  /** pgvector 0.8 and later can continue an HNSW scan until filtered queries fill their limit. */
  iterativeScans: boolean;
}

/** The installed pgvector's schema and version, or undefined when the database does not have it. */
export async function readVectorExtension(
  client: pg.ClientBase,
): Promise<{ schema: string; version: string } | undefined> {
  const { rows } = await client.query<{ schema: string; version: string }>(
    `SELECT n.nspname AS schema, e.extversion AS version
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'vector'`,
  );
  return rows[0];
}

/** Creates pgvector when missing (inside the caller's transaction) and checks that it is recent enough. */
export async function ensureVectorExtension(
  client: pg.ClientBase,
  address: ServerAddress,
  current: { schema: string; version: string } | undefined,
): Promise<VectorExtension> {
  let found = current;
  if (!found) {
    // A savepoint keeps the transaction usable, so the failure can be reported with the fix instead of a cascade.
    await client.query('SAVEPOINT create_vector');
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      await client.query('RELEASE SAVEPOINT create_vector');
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT create_vector');
      throw vectorExtensionMissing(address, error, await vectorExtensionPlace(client));
    }
    found = await readVectorExtension(client);
    if (!found)
      throw vectorExtensionMissing(
        address,
        'CREATE EXTENSION vector did not install it',
        await vectorExtensionPlace(client),
      );
  }
  return describeVectorExtension(found);
}

// Whether the server has pgvector's files decides the fix: install the package, or have a superuser create it here.
async function vectorExtensionPlace(client: pg.ClientBase): Promise<{ database: string; installedOnServer: boolean }> {
  const { rows } = await client.query<{ database: string; installed_on_server: boolean }>(
    `SELECT current_database() AS database,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS installed_on_server`,
  );
  const row = rows[0] as { database: string; installed_on_server: boolean };
  return { database: row.database, installedOnServer: row.installed_on_server };
}

/** The features of an installed pgvector; refuses one without HNSW. */
export function describeVectorExtension(found: { schema: string; version: string }): VectorExtension {
  const [major = 0, minor = 0] = found.version.split('.').map(Number);
  if (major === 0 && minor < 5) {
    throw new StorageError(
      `@astrocyte/brain-postgres: pgvector ${found.version} has no HNSW index; upgrade to 0.5 or later (0.8 recommended) and run ALTER EXTENSION vector UPDATE`,
      { code: 'vector_extension_outdated', details: { version: found.version } },
    );
  }
  return { schema: quoteIdent(found.schema), version: found.version, iterativeScans: major > 0 || minor >= 8 };
}
