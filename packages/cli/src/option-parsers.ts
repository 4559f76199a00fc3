import { type JsonObject, lostKeyError } from '@astrocyte/core';
import { DEFAULT_LIMITS } from '@astrocyte/core/backend';
import { InvalidArgumentError } from 'commander';
import { readFileAtMost } from './bounded-read.js';
import { UsageError } from './cli-errors.js';
import { utf8Text } from './utf8-input.js';

/**
 * Parses "a, b" into ["a", "b"]; a repeated option adds to the list (`--ids a --ids b` is `--ids a,b`): a script that
 * builds one flag per id must not forget only the last. A value naming nothing ("", ",") is refused: it is an unset
 * shell variable, and read as no list a filter such as `export --tags "$TAG"` would select the whole bank.
 */
export function parseList(value: string, previous?: string[]): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('names nothing; give at least one, comma-separated');
  return [...(previous ?? []), ...items];
}

/** A parser for an option that takes one value: given twice, it is refused rather than the first one dropped. */
export function once(value: string, previous?: string): string {
  if (previous !== undefined)
    throw new InvalidArgumentError(`is given twice ("${previous}", then "${value}"); give it once`);
  return value;
}

/** Parses a positive integer option. */
export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return number;
}

/** Parses a port number; 0 picks a free one. */
export function parsePort(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535)
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
  return number;
}

/** Parses a score in [0, 1]. */
export function parseScore(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 1)
    throw new InvalidArgumentError(`expected a number from 0 to 1, got "${value}"`);
  return number;
}

// The largest JSON file -m @file reads: the metadata a memory may hold is 16 KB as compact JSON, and 64 times that
// leaves room for any indentation and escapes it is reasonably written with, while a file such as /dev/zero is never
// read whole.
const MAX_JSON_FILE_BYTES = 64 * DEFAULT_LIMITS.maxMetadataBytes;

/** Parses a JSON object given inline or, with a leading @, read from a file; given twice, it is refused. */
export function parseJsonObject(value: string, previous?: JsonObject): JsonObject {
  if (previous !== undefined) throw new InvalidArgumentError('is given twice; give one JSON object with every key');
  const file = value.startsWith('@') ? value.slice(1) : undefined;
  const text = file === undefined ? value : readJsonFile(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(
      file === undefined
        ? `expected a JSON object such as '{"source":"notes"}', got ${JSON.stringify(value.slice(0, 60))}`
        : `${file} is not JSON; expected a JSON object such as {"source":"notes"}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('expected a JSON object, not an array or a value');
  const lost = lostKeyError(text);
  if (lost) throw new InvalidArgumentError(lost.message);
  return parsed as JsonObject;
}

// The text of a JSON file, read as import reads its files: UTF-8, a byte order mark at the start skipped.
function readJsonFile(file: string): string {
  let bytes: Buffer | null;
  try {
    bytes = readFileAtMost(file, MAX_JSON_FILE_BYTES);
  } catch {
    throw new InvalidArgumentError(`cannot read ${file}`);
  }
  if (bytes === null)
    throw new UsageError(
      `${file} is over ${MAX_JSON_FILE_BYTES.toLocaleString('en-US')} bytes, far more than the ` +
        `${DEFAULT_LIMITS.maxMetadataBytes.toLocaleString('en-US')} bytes of JSON a memory's metadata may hold`,
      'pass a file holding one JSON object of metadata, e.g. -m @metadata.json',
    );
  return utf8Text(bytes, file);
}
