import { type JsonObject, type Memory, type MemoryVersion, ValidationError, type VersionAction } from '@astrocyte/core';

/** The columns of `memories` that make a Memory. */
export const MEMORY_COLUMNS =
  'm.id, m.bank_id, m.text, m.tags, m.metadata, m.path, m.created_at, m.occurred_at, m.expires_at';

/** A row of `memories` as selected with MEMORY_COLUMNS. */
export interface MemoryRow {
  id: string;
  bank_id: string;
  text: string;
  tags: string;
  metadata: string;
  path: string | null;
  created_at: number;
  occurred_at: number | null;
  expires_at: number | null;
}

/** A row of `memory_versions`. */
export interface VersionRow {
  memory_id: string;
  bank_id: string;
  version: number;
  action: string;
  text: string | null;
  actor: string | null;
  reason: string | null;
  related_id: string | null;
  at: number;
}

/** A stored row as the Memory the SPI returns; absent optional fields are left out, not undefined. */
export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    bankId: row.bank_id,
    text: row.text,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as JsonObject,
    ...(row.path !== null ? { path: row.path } : {}),
    createdAt: new Date(row.created_at),
    ...(row.occurred_at !== null ? { occurredAt: new Date(row.occurred_at) } : {}),
    ...(row.expires_at !== null ? { expiresAt: new Date(row.expires_at) } : {}),
  };
}

/** A version row as the MemoryVersion the SPI returns. */
export function toVersion(row: VersionRow): MemoryVersion {
  return {
    memoryId: row.memory_id,
    bankId: row.bank_id,
    version: row.version,
    action: row.action as VersionAction,
    text: row.text,
    ...(row.actor !== null ? { actor: row.actor } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.related_id !== null ? { relatedId: row.related_id } : {}),
    at: new Date(row.at),
  };
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
