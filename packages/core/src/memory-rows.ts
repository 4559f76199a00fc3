import type { JsonObject, Memory, MemoryVersion, VersionAction } from './types.js';

// The SQL backends lay out `memories` and `memory_versions` alike, so the columns read and the mapping of a row to
// the SPI's types are written once, here; each backend brings how its driver encodes instants, tags and metadata.

/** The columns every memory read selects, on alias `m`. */
export const MEMORY_COLUMNS =
  'm.id, m.bank_id, m.text, m.tags, m.metadata, m.path, m.created_at, m.occurred_at, m.expires_at, m.speaker, ' +
  'm.episode_id, m.episode_position, m.document_id';

/** A row of `memories` as selected with MEMORY_COLUMNS, in the driver's encodings. */
export interface SqlMemoryRow<Instant, Tags, Metadata> {
  id: string;
  bank_id: string;
  text: string;
  tags: Tags;
  metadata: Metadata;
  path: string | null;
  created_at: Instant;
  occurred_at: Instant | null;
  expires_at: Instant | null;
  speaker: string | null;
  episode_id: string | null;
  episode_position: number | null;
  document_id: string | null;
}

/** A row of `memory_versions`, in the driver's encoding of instants. */
export interface SqlVersionRow<Instant> {
  memory_id: string;
  bank_id: string;
  version: number;
  action: string;
  text: string | null;
  actor: string | null;
  reason: string | null;
  related_id: string | null;
  at: Instant;
}

/** How a driver's values become the SPI's. */
export interface SqlRowDecoding<Instant, Tags, Metadata> {
  instant: (value: Instant) => Date;
  tags: (value: Tags) => string[];
  metadata: (value: Metadata) => JsonObject;
}

/** A memories row as the SPI's Memory; absent optional fields are left out, not undefined. */
export function memoryFromSqlRow<Instant, Tags, Metadata>(
  row: SqlMemoryRow<Instant, Tags, Metadata>,
  decode: SqlRowDecoding<Instant, Tags, Metadata>,
): Memory {
  return {
    id: row.id,
    bankId: row.bank_id,
    text: row.text,
    tags: decode.tags(row.tags),
    metadata: decode.metadata(row.metadata),
    ...(row.path !== null ? { path: row.path } : {}),
    createdAt: decode.instant(row.created_at),
    ...(row.occurred_at !== null ? { occurredAt: decode.instant(row.occurred_at) } : {}),
    ...(row.expires_at !== null ? { expiresAt: decode.instant(row.expires_at) } : {}),
    ...(row.speaker !== null ? { speaker: row.speaker } : {}),
    ...(row.episode_id !== null ? { episode: { id: row.episode_id, position: Number(row.episode_position) } } : {}),
    ...(row.document_id !== null ? { documentId: row.document_id } : {}),
  };
}

/** A memory_versions row as the SPI's MemoryVersion. */
export function versionFromSqlRow<Instant>(
  row: SqlVersionRow<Instant>,
  instant: (value: Instant) => Date,
): MemoryVersion {
  return {
    memoryId: row.memory_id,
    bankId: row.bank_id,
    version: row.version,
    action: row.action as VersionAction,
    text: row.text,
    ...(row.actor !== null ? { actor: row.actor } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.related_id !== null ? { relatedId: row.related_id } : {}),
    at: instant(row.at),
  };
}
