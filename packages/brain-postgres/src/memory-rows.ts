import type { JsonObject, Memory, MemoryVersion, VersionAction } from '@astrocyte/core';

/** The columns every memory read selects, on alias `m`. */
export const MEMORY_COLUMNS =
  'm.id, m.bank_id, m.text, m.tags, m.metadata, m.path, m.created_at, m.occurred_at, m.expires_at';

/** A row of `memories` as the driver returns it. */
export interface MemoryRow {
  id: string;
  bank_id: string;
  text: string;
  tags: string[];
  metadata: JsonObject;
  path: string | null;
  created_at: Date;
  occurred_at: Date | null;
  expires_at: Date | null;
}

/** A row of `memory_versions` as the driver returns it. */
export interface VersionRow {
  memory_id: string;
  bank_id: string;
  version: number;
  action: VersionAction;
  text: string | null;
  actor: string | null;
  reason: string | null;
  related_id: string | null;
  at: Date;
}

/** A memories row as the SPI's Memory, leaving out absent optional fields. */
export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    bankId: row.bank_id,
    text: row.text,
    tags: row.tags,
    metadata: row.metadata,
    ...(row.path !== null ? { path: row.path } : {}),
    createdAt: row.created_at,
    ...(row.occurred_at !== null ? { occurredAt: row.occurred_at } : {}),
    ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}),
  };
}

/** A memory_versions row as the SPI's MemoryVersion. */
export function toVersion(row: VersionRow): MemoryVersion {
  return {
    memoryId: row.memory_id,
    bankId: row.bank_id,
    version: row.version,
    action: row.action,
    text: row.text,
    ...(row.actor !== null ? { actor: row.actor } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.related_id !== null ? { relatedId: row.related_id } : {}),
    at: row.at,
  };
}

/** pgvector's text form of a vector; nine significant digits round-trip a float32 exactly, in half the bytes. */
export function vectorLiteral(vector: Float32Array): string {
  let text = '[';
  for (let i = 0; i < vector.length; i++)
    text += (i > 0 ? ',' : '') + (vector[i] === 0 ? '0' : (vector[i] as number).toPrecision(9));
  return `${text}]`;
}
