import { type JsonObject, type Memory, type MemoryVersion, ValidationError } from '@astrocyte/core';
import {
  memoryFromSqlRow,
  type SqlMemoryRow,
  type SqlRowDecoding,
  type SqlVersionRow,
  versionFromSqlRow,
} from '@astrocyte/core/backend';

/** A row of `memories` as SQLite holds it: instants as epoch milliseconds, tags and metadata as JSON text. */
export type MemoryRow = SqlMemoryRow<number, string, string>;

/** A row of `memory_versions` as SQLite holds it. */
export type VersionRow = SqlVersionRow<number>;

const fromMillis = (millis: number): Date => new Date(millis);

const SQLITE_DECODING: SqlRowDecoding<number, string, string> = {
  instant: fromMillis,
  tags: (json) => JSON.parse(json) as string[],
  metadata: (json) => JSON.parse(json) as JsonObject,
};

/** A stored row as the Memory the SPI returns. */
export function toMemory(row: MemoryRow): Memory {
  return memoryFromSqlRow(row, SQLITE_DECODING);
}

/** A version row as the MemoryVersion the SPI returns. */
export function toVersion(row: VersionRow): MemoryVersion {
  return versionFromSqlRow(row, fromMillis);
}

/** The opaque list cursor: the sort key of the last row of a page. */
export function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** Reads a cursor made by encodeCursor; anything else is a ValidationError. */
export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] as string };
    }
  } catch {
    // Falls through to the error below: a malformed cursor is the caller's mistake, not a storage failure.
  }
  throw new ValidationError('cursor', 'is not a cursor returned by list');
}
