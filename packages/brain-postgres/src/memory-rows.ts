import {
  type JsonObject,
  type Memory,
  type MemoryVersion,
  memoryFromSqlRow,
  type SqlMemoryRow,
  type SqlVersionRow,
  versionFromSqlRow,
} from '@astrocyte/core';

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
