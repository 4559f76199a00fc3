import { AstrocyteError, StorageError } from '@astrocyte/core';

/**
 * A driver error as a StorageError naming the operation: SQLITE_BUSY and SQLITE_LOCKED (another connection held the
 * lock past the busy timeout) become `storage_busy`, SQLITE_FULL (the disk, or `max_page_count`) `storage_full`,
 * SQLITE_NOTADB and SQLITE_CORRUPT (a file that is not a database, or damaged) `storage_corrupt`, with the SQLite code
 * in `details`. Astrocyte errors pass through.
 */
export function asStorageError(operation: string, error: unknown): AstrocyteError {
  if (AstrocyteError.isInstance(error)) return error as AstrocyteError;
  const code = (error as { code?: unknown })?.code;
  const details = { operation, ...(typeof code === 'string' ? { sqliteCode: code } : {}) };
  if (code === 'SQLITE_FULL')
    // The transaction was rolled back: nothing of the write is in the file, and what was stored before is intact.
    return new StorageError(
      `sqlite: ${operation} failed: the disk holding the database or its temporary files is full (a write that fails so stores nothing); free space there and retry`,
      { cause: error, code: 'storage_full', details },
    );
  if (code === 'SQLITE_NOTADB' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')))
    // SQLite refuses a page it cannot read before it writes anything: the file stays as it was, for a backup's
    // restore or a repair to start from.
    return new StorageError(
      `sqlite: ${operation} failed: the file is not a SQLite database, or is damaged (${(error as Error).message}); nothing was written to it`,
      { cause: error, code: 'storage_corrupt', details },
    );
  const busy = code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
  return new StorageError(`sqlite: ${operation} failed: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
    ...(busy ? { code: 'storage_busy' } : {}),
    details,
  });
}

/** sqlite-vec could not be loaded into the connection; `details.fix` says how to get a build for this platform. */
export function vectorExtensionMissing(error: unknown): StorageError {
  const platform = `${process.platform}-${process.arch}`;
  const fix = `reinstall @astrocyte/brain-sqlite with optional dependencies (not --no-optional / --omit=optional), so that sqlite-vec's build for ${platform} is installed; sqlite-vec ships builds for Linux and macOS (x64, arm64) and Windows (x64)`;
  return new StorageError(`sqlite: could not load the sqlite-vec extension: ${(error as Error).message}`, {
    cause: error,
    code: 'vector_extension_missing',
    details: { platform, fix },
  });
}

/** A call on a store that was closed. */
export function storeClosed(): StorageError {
  return new StorageError('sqlite: the store is closed', { code: 'store_closed' });
}
