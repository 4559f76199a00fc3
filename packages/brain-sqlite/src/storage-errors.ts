import { AstrocyteError, StorageError } from '@astrocyte/core';

/**
 * A driver error as a StorageError naming the operation: SQLITE_BUSY and SQLITE_LOCKED (another connection held the
 * lock past the busy timeout) become `storage_busy`, SQLITE_FULL (the disk, or `max_page_count`) `storage_full`,
 * SQLITE_NOTADB and SQLITE_CORRUPT (a file that is not a database, or damaged) `storage_corrupt`, SQLITE_READONLY (a
 * file, folder or disk this process may not write) `storage_read_only`, SQLITE_CANTOPEN and SQLITE_PERM (files it may
 * not open or create) `storage_permission_denied`, with the SQLite code in `details`. Astrocyte errors pass through.
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
  if (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))
    return new StorageError(
      `sqlite: ${operation} failed: the database cannot be written (${(error as Error).message}): the file, its folder or its disk is read-only to this process (SQLite writes its -wal and -shm files beside the file, so the folder must be writable too); nothing was written`,
      { cause: error, code: 'storage_read_only', details },
    );
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM')
    return new StorageError(
      `sqlite: ${operation} failed: cannot open or create the database's files (${(error as Error).message}): this process may not write the file, its folder or its disk (SQLite needs the -wal and -shm files beside the file)`,
      { cause: error, code: 'storage_permission_denied', details },
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
