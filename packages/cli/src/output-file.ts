import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './cli-errors.js';

/**
 * Refuses, before any work, a file to write that is a folder or sits in a folder that is not there: the write would
 * fail only at the end, with Node's EISDIR or ENOENT. `label` prefixes the message (the flag that named the file);
 * `example` shows a right value.
 */
export function checkOutputFile(file: string, label: string, example: string): void {
  if (existsSync(file) && statSync(file).isDirectory())
    throw new UsageError(`${label}${file} is a folder`, `name the file to write, e.g. ${example}`);
  const folder = dirname(resolve(file));
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(
      `${label}there is no folder ${folder}`,
      'create the folder first, or write the file elsewhere',
    );
}
