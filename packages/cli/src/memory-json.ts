import type { JsonObject, Memory, MemoryHit, MemoryVersion, RetainManyItem, RetainResult } from '@astrocyte/core';

/** One memory as a line of an export: every field, snake_case, absent values as null. */
export interface MemoryLine {
  id: string;
  text: string;
  tags: string[];
  metadata: JsonObject;
  path: string | null;
  created_at: string;
  occurred_at: string | null;
  expires_at: string | null;
}

/** The export form of a memory; the same shape `--json` prints for list and recall. */
export function memoryToLine(memory: Memory): MemoryLine {
  return { id: memory.id, ...contentToJson(memory), expires_at: memory.expiresAt?.toISOString() ?? null };
}

/** A recall hit in the `--json` form: the memory's fields plus its score. */
export function hitToJson(hit: MemoryHit): Record<string, unknown> {
  return { id: hit.memoryId, bank_id: hit.bankId, score: hit.score, ...contentToJson(hit) };
}

// The fields a memory and a recall hit have alike, in their `--json` form.
function contentToJson(memory: Memory | MemoryHit): Omit<MemoryLine, 'id' | 'expires_at'> {
  return {
    text: memory.text,
    tags: memory.tags,
    metadata: memory.metadata,
    path: memory.path ?? null,
    created_at: memory.createdAt.toISOString(),
    occurred_at: memory.occurredAt?.toISOString() ?? null,
  };
}

/** A retain result in the `--json` form, the field names of the memory_retain tool. */
export function retainResultToJson(result: RetainResult): Record<string, unknown> {
  return {
    stored: result.stored,
    memory_id: result.memoryId,
    deduplicated: result.deduplicated,
    ...(result.duplicateOf ? { duplicate_of: result.duplicateOf } : {}),
    ...(result.redacted?.length ? { redacted: result.redacted } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.bankId ? { bank_id: result.bankId } : {}),
  };
}

/** A version row in the `--json` form. */
export function versionToJson(version: MemoryVersion): Record<string, unknown> {
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

const LINE_KEYS = new Set([
  'id',
  'bank_id',
  'text',
  'content',
  'tags',
  'metadata',
  'path',
  'created_at',
  'occurred_at',
  'expires_at',
]);

/**
 * Reads one import line into a retain item, or returns why it cannot be one. `id`, `bank_id` and `created_at`
 * are accepted and ignored: the target bank gives new ids and the import time. Unknown keys are refused, so that
 * a misspelt field is never dropped in silence.
 */
export function lineToItem(line: string): RetainManyItem | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !LINE_KEYS.has(key));
  if (unknown) return `unknown field "${unknown}"; expected ${[...LINE_KEYS].join(', ')}`;
  const text = record.text ?? record.content;
  if (typeof text !== 'string') return 'text: must be a string';
  const item: RetainManyItem = { content: text };
  if (record.tags !== undefined && record.tags !== null) {
    if (!Array.isArray(record.tags) || record.tags.some((tag) => typeof tag !== 'string'))
      return 'tags: must be an array of strings';
    item.tags = record.tags as string[];
  }
  if (record.metadata !== undefined && record.metadata !== null) {
    if (typeof record.metadata !== 'object' || Array.isArray(record.metadata)) return 'metadata: must be a JSON object';
    item.metadata = record.metadata as JsonObject;
  }
  for (const [key, target] of [
    ['path', 'path'],
    ['occurred_at', 'occurredAt'],
    ['expires_at', 'expiresAt'],
  ] as const) {
    const field = record[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== 'string') return `${key}: must be a string or null`;
    item[target] = field;
  }
  return item;
}
