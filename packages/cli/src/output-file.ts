import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './cli-errors.js';

// The first bytes of SQLite's files: a database, its write-ahead log (either byte order) and its rollback journal.
const SQLITE_MAGIC = [
  Buffer.from('SQLite format 3\0', 'latin1'),
  Buffer.from([0x37, 0x7f, 0x06, 0x82]),
  Buffer.from([0x37, 0x7f, 0x06, 0x83]),
  Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]),
];

/**
 * Refuses, before any work, a file to write that would fail only at the end or destroy what it replaces: a folder, a
 * device, a pipe or a socket (replaced by a regular file), a file in a folder that is not there, or a SQLite
 * database or one of its companion files (a slip of `--out astrocyte.db` wiped the store). `label` prefixes the
 * message (the flag that named the file); `example` shows a right value. Returns the path to write: a symbolic link's
 * target, so that a file written beside it and renamed over it leaves the link in place.
 */
export function checkOutputFile(file: string, label: string, example: string): string {
  const existing = existsSync(file) ? statSync(file) : undefined;
  if (existing?.isDirectory())
    throw new UsageError(`${label}${file} is a folder`, `name the file to write, e.g. ${example}`);
  if (existing && !existing.isFile())
    throw new UsageError(
      `${label}${file} is not a regular file (a device, a pipe or a socket), which writing would replace`,
      `name a regular file, e.g. ${example}`,
    );
  const target = existing ? realpathSync(file) : resolve(file);
  if (existing && (isSqliteFile(target) || (target.endsWith('-shm') && isSqliteFile(target.slice(0, -4)))))
    throw new UsageError(
      `${label}${file} is a SQLite database or one of its files, which writing would destroy`,
      `name another file, e.g. ${example}`,
    );
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(
      `${label}there is no folder ${folder}`,
      'create the folder first, or write the file elsewhere',
    );
  return target;
}

function isSqliteFile(path: string): boolean {
  if (!existsSync(path)) return false;
  const head = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    const read = readSync(fd, head, 0, head.length, 0);
    return SQLITE_MAGIC.some((magic) => read >= magic.length && head.subarray(0, magic.length).equals(magic));
  } finally {
    closeSync(fd);
  }
}
