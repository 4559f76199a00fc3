import { type JsonObject, type Memory, type MemoryVersion, ValidationError } from '@astrocyte/core';
import {
  MEMORY_COLUMNS,
  memoryFromSqlRow,
  type SqlMemoryRow,
  type SqlVersionRow,
  versionFromSqlRow,
} from '@astrocyte/core/backend';
import type { StoreSql } from './schema.js';

/** A row of `memories` as pg returns it: timestamptz, text[] and jsonb arrive decoded. */
export type MemoryRow = SqlMemoryRow<Date, string[], JsonObject>;

/** A row of `memory_versions` as pg returns it. */
export type VersionRow = SqlVersionRow<Date>;

const asIs = <T>(value: T): T => value;

/** A memories row as the SPI's Memory. */
export function toMemory(row: MemoryRow): Memory {
  return memoryFromSqlRow(row, { instant: asIs, tags: asIs, metadata: asIs });
}

/** A memory_versions row as the SPI's MemoryVersion. */
export function toVersion(row: VersionRow): MemoryVersion {
  return versionFromSqlRow(row, asIs);
}

/** pgvector's text form of a vector; nine significant digits round-trip a float32 exactly, in half the bytes. */
export function vectorLiteral(vector: Float32Array): string {
  let text = '[';
  for (let i = 0; i < vector.length; i++)
    text += (i > 0 ? ',' : '') + (vector[i] === 0 ? '0' : (vector[i] as number).toPrecision(9));
  return `${text}]`;
}

/**
 * Joins to each ranked hit of `hits` (with bank_id and id) its memories row, as `m`: a lookup by primary key per hit.
 * `LIMIT 1` keeps the subquery from being pulled up into a plain join, which the planner, estimating a single hit,
 * would run by hashing the whole table.
 */
export function joinRows(sql: StoreSql, hits: string): string {
  return `CROSS JOIN LATERAL (SELECT ${MEMORY_COLUMNS} FROM ${sql.memories} m
            WHERE m.bank_id = ${hits}.bank_id AND m.id = ${hits}.id LIMIT 1) AS m`;
}

/** Version rows get the next free number per memory, so that a reused id never collides with old history. */
export function nextVersionSql(sql: StoreSql, bankColumn: string, memoryColumn: string): string {
  return `COALESCE((SELECT max(x.version) FROM ${sql.versions} x WHERE x.bank_id = ${bankColumn} AND x.memory_id = ${memoryColumn}), 0)`;
}

const CURSOR_PREFIX = 'pg1:';

/** An opaque cursor for the row after which the next page starts. */
export function encodeCursor(seq: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`, 'utf8').toString('base64url');
}

/** The sequence number inside a cursor; throws ValidationError for anything `list` did not hand out. */
export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = decoded.startsWith(CURSOR_PREFIX) ? decoded.slice(CURSOR_PREFIX.length) : '';
  if (!/^\d{1,18}$/.test(seq)) throw new ValidationError('cursor', 'is not a cursor returned by list');
  return seq;
}
