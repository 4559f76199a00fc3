import type { EpisodePlace, JsonObject, Memory, MemoryHit, MemoryVersion, PiiType, RetainResult } from './types.js';

/**
 * A memory in the JSON form every surface shares (CLI `--json` and export lines, the HTTP API): snake_case, every
 * field present, absent values as null. An export read back by `astrocyte import` takes this form.
 */
export interface MemoryJson {
  id: string;
  text: string;
  tags: string[];
  metadata: JsonObject;
  path: string | null;
  created_at: string;
  occurred_at: string | null;
  expires_at: string | null;
  /** Who said it, for a conversation turn. */
  speaker: string | null;
  /** The session (or long text) the memory belongs to, and its 0-based place in it. */
  episode: EpisodePlace | null;
  /** For a chunk of a long text: the first chunk's id. */
  document_id: string | null;
}

/** A recall hit in the shared JSON form: the memory's fields (no expiry), its bank and its score. */
export type MemoryHitJson = Omit<MemoryJson, 'expires_at'> & { bank_id: string; score: number };

/** A version row in the shared JSON form. */
export interface MemoryVersionJson {
  version: number;
  action: MemoryVersion['action'];
  at: string;
  text: string | null;
  actor: string | null;
  reason: string | null;
  related_id: string | null;
}

/** A retain result in the shared JSON form: the field names of the memory_retain tool, optional ones left out. */
export interface RetainResultJson {
  stored: boolean;
  memory_id: string | null;
  deduplicated: boolean;
  duplicate_of?: string;
  merged_tags?: string[];
  expires_at?: string | null;
  chunk_ids?: string[];
  redacted?: PiiType[];
  warned?: PiiType[];
  reason?: string;
  bank_id?: string;
}

/** A memory in the shared JSON form. */
export function memoryToJson(memory: Memory): MemoryJson {
  const { text, tags, metadata, path, created_at, occurred_at, ...conversation } = contentToJson(memory);
  return {
    id: memory.id,
    text,
    tags,
    metadata,
    path,
    created_at,
    occurred_at,
    expires_at: memory.expiresAt?.toISOString() ?? null,
    ...conversation,
  };
}

/** A recall hit in the shared JSON form. */
export function hitToJson(hit: MemoryHit): MemoryHitJson {
  return { id: hit.memoryId, bank_id: hit.bankId, score: hit.score, ...contentToJson(hit) };
}

/** A version row in the shared JSON form. */
export function versionToJson(version: MemoryVersion): MemoryVersionJson {
  return {
    version: version.version,
    action: version.action,
    at: version.at.toISOString(),
    text: version.text,
    actor: version.actor ?? null,
    reason: version.reason ?? null,
    related_id: version.relatedId ?? null,
  };
}

/** A retain result in the shared JSON form. */
export function retainResultToJson(result: RetainResult): RetainResultJson {
  return {
    stored: result.stored,
    memory_id: result.memoryId,
    deduplicated: result.deduplicated,
    ...(result.duplicateOf ? { duplicate_of: result.duplicateOf } : {}),
    ...(result.mergedTags?.length ? { merged_tags: result.mergedTags } : {}),
    ...expiryJson(result),
    ...(result.chunkIds ? { chunk_ids: result.chunkIds } : {}),
    ...(result.redacted?.length ? { redacted: result.redacted } : {}),
    ...(result.warned?.length ? { warned: result.warned } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.bankId ? { bank_id: result.bankId } : {}),
  };
}

// The fields a memory and a recall hit have alike.
function contentToJson(memory: Memory | MemoryHit): Omit<MemoryJson, 'id' | 'expires_at'> {
  return {
    text: memory.text,
    tags: memory.tags,
    metadata: memory.metadata,
    path: memory.path ?? null,
    created_at: memory.createdAt.toISOString(),
    occurred_at: memory.occurredAt?.toISOString() ?? null,
    speaker: memory.speaker ?? null,
    episode: memory.episode ? { id: memory.episode.id, position: memory.episode.position } : null,
    document_id: memory.documentId ?? null,
  };
}

/** RetainResult.expiresAt as `expires_at`, ISO or null; nothing when the result has none. */
export function expiryJson(result: RetainResult): { expires_at?: string | null } {
  return result.expiresAt === undefined ? {} : { expires_at: result.expiresAt?.toISOString() ?? null };
}
