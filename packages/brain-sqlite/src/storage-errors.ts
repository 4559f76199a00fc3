import { AstrocyteError, type ErrorCode, StorageError } from '@astrocyte/core';

// What a SQLite result code means, by the code (an extended one such as SQLITE_CORRUPT_VTAB where `extended` says
// so), and what the error says of it; any other code is a `storage_error` with SQLite's own message.
const MEANINGS: { codes: string[]; extended?: true; code: ErrorCode; says: (message: string) => string }[] = [
  {
    // The transaction was rolled back: nothing of the write is in the file, and what was stored before is intact.
    codes: ['SQLITE_FULL'],
    code: 'storage_full',
    says: () =>
      'the disk holding the database or its temporary files is full (a write that fails so stores nothing); free space there and retry',
  },
  {
    // SQLite refuses a page it cannot read before it writes anything: the file stays as it was, for a backup's
    // restore or a repair to start from.
    codes: ['SQLITE_NOTADB', 'SQLITE_CORRUPT'],
    extended: true,
    code: 'storage_corrupt',
    says: (message) => `the file is not a SQLite database, or is damaged (${message}); nothing was written to it`,
  },
  {
    codes: ['SQLITE_READONLY'],
    extended: true,
    code: 'storage_read_only',
    says: (message) =>
      `the database cannot be written (${message}): the file, its folder or its disk is read-only to this process (SQLite writes its -wal and -shm files beside the file, so the folder must be writable too); nothing was written`,
  },
  {
    codes: ['SQLITE_CANTOPEN', 'SQLITE_PERM'],
    code: 'storage_permission_denied',
    says: (message) =>
      `cannot open or create the database's files (${message}): this process may not write the file, its folder or its disk (SQLite needs the -wal and -shm files beside the file)`,
  },
  // Another connection held the lock past the busy timeout.
  { codes: ['SQLITE_BUSY', 'SQLITE_LOCKED'], code: 'storage_busy', says: (message) => message },
];

/**
 * A driver error as a StorageError naming the operation, its code by MEANINGS (`storage_full`, `storage_corrupt`,
 * `storage_read_only`, `storage_permission_denied`, `storage_busy`, else `storage_error`), with the SQLite code in
 * `details`. Astrocyte errors pass through.
 */
export function asStorageError(operation: string, error: unknown): AstrocyteError {
  if (AstrocyteError.isInstance(error)) return error as AstrocyteError;
  const code = (error as { code?: unknown })?.code;
  const details = { operation, ...(typeof code === 'string' ? { sqliteCode: code } : {}) };
  const message = (error as Error)?.message ?? String(error);
  const meaning =
    typeof code === 'string'
      ? MEANINGS.find((m) => m.codes.some((c) => code === c || (m.extended && code.startsWith(`${c}_`))))
      : undefined;
  return new StorageError(`sqlite: ${operation} failed: ${meaning ? meaning.says(message) : message}`, {
    cause: error,
    ...(meaning ? { code: meaning.code } : {}),
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
