import { AstrocyteError, StorageError } from '@astrocyte/core';
import type pg from 'pg';

const PACKAGE = '@astrocyte/brain-postgres';

// Node socket errors and Postgres SQLSTATEs that mean "the server cannot be reached or is going away".
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
  'EPIPE',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P03',
]);

// SQLSTATEs of a connection the server ended while the store used it: admin_shutdown (pg_terminate_backend, a
// restart), crash_shutdown, idle_in_transaction_session_timeout, idle_session_timeout.
const ENDED = new Set(['57P01', '57P02', '25P03', '57P05']);

/** Where the store connects, for error messages: host and port only, never user or password. */
export interface ServerAddress {
  host: string;
  port: number;
  /** Removed from any driver message that might echo it. */
  password?: string;
}

/** Host and port of a connection string or a caller's pool, read without keeping the password anywhere but here. */
export function serverAddress(connectionString: string | undefined, pool?: pg.Pool): ServerAddress {
  const options = (pool as unknown as { options?: pg.PoolConfig } | undefined)?.options ?? {};
  const source = connectionString ?? options.connectionString;
  if (source) {
    try {
      const url = new URL(source);
      return {
        host: decodeURIComponent(url.hostname) || url.searchParams.get('host') || process.env.PGHOST || 'localhost',
        port: Number(url.port || url.searchParams.get('port') || process.env.PGPORT || 5432),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      };
    } catch {
      return { host: 'the configured host', port: Number(process.env.PGPORT || 5432) };
    }
  }
  const password = typeof options.password === 'string' ? options.password : undefined;
  return {
    host: options.host ?? process.env.PGHOST ?? 'localhost',
    port: Number(options.port ?? process.env.PGPORT ?? 5432),
    ...(password ? { password } : {}),
  };
}

/** Turns a driver or server error into a StorageError with a stable code; Astrocyte errors pass through. */
export function translateError(error: unknown, address: ServerAddress, pool: pg.Pool): AstrocyteError {
  if (AstrocyteError.isInstance(error)) return error as AstrocyteError;
  const err = error as { code?: string; message?: string } | null;
  const code = err?.code ?? '';
  const raw = scrub(String(err?.message ?? error), address.password);
  const where = `${address.host}:${address.port}`;
  const details = { package: PACKAGE, host: address.host, port: address.port, ...(code ? { driverCode: code } : {}) };
  // The cause is dropped for connection failures: driver errors can carry the client configuration.
  if (ENDED.has(code) || /Connection terminated unexpectedly/i.test(raw)) {
    return new StorageError(
      `${PACKAGE}: Postgres at ${where} ended the connection (${code ? `${code}: ` : ''}${raw}): a restart, a failover, an administrator or a server timeout. What was not committed was rolled back; retry once the server accepts connections`,
      { code: 'storage_unreachable', details },
    );
  }
  if (UNREACHABLE.has(code) || /Connection terminated/i.test(raw)) {
    return new StorageError(
      `${PACKAGE}: cannot reach Postgres at ${where} (${code || raw}); check that the server is running and the host and port are right`,
      {
        code: 'storage_unreachable',
        details,
      },
    );
  }
  if (/timeout exceeded when trying to connect/i.test(raw)) {
    const max = (pool as unknown as { options?: { max?: number } }).options?.max ?? 10;
    if (pool.totalCount >= max && pool.idleCount === 0) {
      return new StorageError(
        `${PACKAGE}: all ${max} connections of the pool to ${where} stayed busy until the connection timeout; raise maxConnections or lower the concurrency`,
        { code: 'pool_exhausted', details: { ...details, maxConnections: max, waiting: pool.waitingCount } },
      );
    }
    return new StorageError(`${PACKAGE}: cannot reach Postgres at ${where} (connection timed out)`, {
      code: 'storage_unreachable',
      details,
    });
  }
  if (code === '28P01' || code === '28000') {
    return new StorageError(`${PACKAGE}: Postgres at ${where} rejected the credentials (${raw})`, {
      code: 'storage_auth_failed',
      details,
    });
  }
  if (code === '3D000') {
    return new StorageError(`${PACKAGE}: ${raw} on ${where}; create it first (createdb) or fix the connection string`, {
      code: 'storage_database_missing',
      details,
    });
  }
  if (code === '53300') {
    return new StorageError(
      `${PACKAGE}: Postgres at ${where} has no free connection slots (${raw}); lower maxConnections or raise max_connections on the server`,
      {
        code: 'server_connections_exhausted',
        details,
      },
    );
  }
  if (code === '25006') {
    return new StorageError(
      `${PACKAGE}: Postgres at ${where} is read-only (a replica, or default_transaction_read_only); send writes to the primary`,
      {
        code: 'storage_read_only',
        details,
      },
    );
  }
  if (code === '53100') {
    // disk_full: the statement, and with it the transaction, failed; what was committed before is intact.
    return new StorageError(
      `${PACKAGE}: Postgres at ${where} is out of disk space (${raw}); nothing of this write was stored. Free space on the server's data volume and retry`,
      { code: 'storage_full', details },
    );
  }
  if (code === '42501') {
    return new StorageError(`${PACKAGE}: permission denied on ${where}: ${raw}`, {
      code: 'storage_permission_denied',
      details,
    });
  }
  return new StorageError(`${PACKAGE}: ${raw}`, { code: 'storage_error', details, cause: error });
}

/**
 * The error for a database without pgvector, with the fix in the message and in `details.fix`: install pgvector on
 * the server when it lacks the package, else have a superuser create the extension in the database (pgvector is not
 * a trusted extension: a database owner who is not a superuser cannot create it).
 */
export function vectorExtensionMissing(
  address: ServerAddress,
  cause: unknown,
  place: { database: string; installedOnServer: boolean },
): StorageError {
  const where = `${address.host}:${address.port}`;
  const create = `run CREATE EXTENSION vector; in database "${place.database}" as a superuser`;
  const problem = place.installedOnServer
    ? `pgvector is installed on the Postgres server at ${where} but the extension "vector" is not created in database "${place.database}", and this user may not create it`
    : `the Postgres server at ${where} does not have pgvector installed, so the extension "vector" cannot be created in database "${place.database}"`;
  const fix = place.installedOnServer
    ? `${create} once (or open the store once as a superuser, which creates it)`
    : `install pgvector on the server (the pgvector/pgvector Docker image has it; on Debian/Ubuntu run scripts/setup-postgres.sh or install postgresql-NN-pgvector), then ${create}`;
  return new StorageError(
    `${PACKAGE}: ${problem} (${scrub(String((cause as Error)?.message ?? cause), address.password)}). Fix: ${fix}`,
    {
      code: 'vector_extension_missing',
      details: { package: PACKAGE, host: address.host, port: address.port, ...place, fix },
    },
  );
}

/** A call on a store that was closed. */
export function storeClosed(): StorageError {
  return new StorageError(`${PACKAGE}: the store is closed`, { code: 'store_closed' });
}

function scrub(message: string, password: string | undefined): string {
  return password ? message.split(password).join('***') : message;
}
