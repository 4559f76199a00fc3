import type { Memory, MemoryHit, MemoryVersion, RetainResult } from '@astrocyte/core';
import type { z } from 'zod';
import type { memory, memoryHit, memoryVersion, retainResult } from './http-schemas.js';

/** A retain result as the API returns it: the snake_case field names of the memory_retain tool. */
export function retainResultJson(result: RetainResult): z.infer<typeof retainResult> {
  return {
    stored: result.stored,
    memory_id: result.memoryId,
    deduplicated: result.deduplicated,
    ...(result.duplicateOf ? { duplicate_of: result.duplicateOf } : {}),
    ...(result.mergedTags?.length ? { merged_tags: result.mergedTags } : {}),
    ...(result.chunkIds ? { chunk_ids: result.chunkIds } : {}),
    ...(result.redacted?.length ? { redacted: result.redacted } : {}),
    ...(result.warned?.length ? { warned: result.warned } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.bankId ? { bank_id: result.bankId } : {}),
  };
}

/** A memory as the API lists and exports it: every field, absent values as null. */
export function memoryJson(stored: Memory): z.infer<typeof memory> {
  return { id: stored.id, ...sharedFields(stored), expires_at: stored.expiresAt?.toISOString() ?? null };
}

/** A recall hit as the API returns it: the memory's fields, its bank and its score. */
export function memoryHitJson(hit: MemoryHit): z.infer<typeof memoryHit> {
  return { id: hit.memoryId, ...sharedFields(hit), bank_id: hit.bankId, score: hit.score };
}

/** A version row as the API returns it. */
export function memoryVersionJson(version: MemoryVersion): z.infer<typeof memoryVersion> {
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

function sharedFields(item: Memory | MemoryHit) {
  return {
    text: item.text,
    tags: item.tags,
    metadata: item.metadata,
    path: item.path ?? null,
    created_at: item.createdAt.toISOString(),
    occurred_at: item.occurredAt?.toISOString() ?? null,
    speaker: item.speaker ?? null,
    episode: item.episode ? { id: item.episode.id, position: item.episode.position } : null,
    document_id: item.documentId ?? null,
  };
}
