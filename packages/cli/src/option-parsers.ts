import { readFileSync } from 'node:fs';
import { type JsonObject, lostKeyError } from '@astrocyte/core';
import { InvalidArgumentError } from 'commander';

/** Parses "a, b" into ["a", "b"]. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
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

/** Parses a JSON object given inline or, with a leading @, read from a file. */
export function parseJsonObject(value: string): JsonObject {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch {
      throw new InvalidArgumentError(`cannot read ${value.slice(1)}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(
      `expected a JSON object such as '{"source":"notes"}', got ${JSON.stringify(value.slice(0, 60))}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('expected a JSON object, not an array or a value');
  const lost = lostKeyError(text);
  if (lost) throw new InvalidArgumentError(lost.message);
  return parsed as JsonObject;
}
