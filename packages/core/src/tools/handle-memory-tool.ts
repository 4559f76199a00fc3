import { UnknownToolError, ValidationError, withFieldRenamed } from '../errors.js';
import { expiryJson } from '../memory-json.js';
import { inOperationSpan } from '../telemetry/operation-span.js';
import { setBankAttributes } from '../telemetry/span-attributes.js';
import type { AstrocyteContext, Brain } from '../types.js';
import { checkKnownKeys, checkMemoryIds, normalizeTag } from '../validation.js';
import { parseToolInput } from './parse-tool-input.js';
import { isMemoryTool } from './tool-definitions.js';

/** Where a tool call runs: the bank is bound by the application, never chosen by the model. */
export interface MemoryToolBinding {
  bankId: string;
  context?: AstrocyteContext;
}

/**
 * Runs one memory tool call and returns its result as the string the model reads, inside a span `astrocyte.tool`.
 * Throws UnknownToolError for a name that is not a memory tool and ValidationError naming the field for bad input.
 */
export function handleMemoryTool(
  brain: Brain,
  toolName: string,
  toolInput: unknown,
  binding: MemoryToolBinding,
): Promise<string> {
  // A name the model made up is not recorded: only the four memory tools' names are.
  const labels = { operation: 'tool' as const, ...(isMemoryTool(toolName) ? { toolName } : {}) };
  return inOperationSpan(labels, (span) => {
    if (span.isRecording() && typeof binding === 'object' && binding !== null) setBankAttributes(span, binding);
    return runMemoryTool(brain, toolName, toolInput, binding);
  });
}

async function runMemoryTool(
  brain: Brain,
  toolName: string,
  toolInput: unknown,
  binding: MemoryToolBinding,
): Promise<string> {
  if (!isMemoryTool(toolName)) throw new UnknownToolError(String(toolName));
  if (typeof binding !== 'object' || binding === null)
    throw new ValidationError('binding', 'must be the { bankId } the application binds the memory tools to');
  const input = parseToolInput(toolInput);
  const { bankId, context } = binding;
  switch (toolName) {
    case 'memory_retain': {
      checkKnownKeys(input, ['content', 'tags'], '', 'a field of this tool');
      const tags = stringList(input, 'tags');
      // A model that could tag its memories with a hold would keep them from expiry and forget (a prompt injection
      // could pin data against erasure): holds are the application's to place. Compared as the brain stores the tag,
      // so a decomposed spelling ("Lo\u0308schsperre") cannot pass here and become the hold tag once stored.
      const hold = tags.find((tag) => brain.legalHoldTags?.includes(normalizeTag(tag)));
      if (hold !== undefined)
        throw new ValidationError(
          'tags',
          `"${hold}" places a legal hold, which only the application may do; leave it out`,
        );
      const result = await brain.retain(requireString(input, 'content'), {
        bankId,
        tags,
        ...(context ? { context } : {}),
      });
      return JSON.stringify({
        stored: result.stored,
        memory_id: result.memoryId,
        ...(result.deduplicated ? { deduplicated: true, duplicate_of: result.duplicateOf } : {}),
        ...(result.mergedTags?.length ? { merged_tags: result.mergedTags } : {}),
        ...expiryJson(result),
        ...(result.chunkIds ? { chunk_ids: result.chunkIds } : {}),
        ...(result.redacted?.length ? { redacted: result.redacted } : {}),
        ...(!result.stored && result.reason ? { reason: result.reason } : {}),
      });
    }
    case 'memory_recall': {
      checkKnownKeys(input, ['query', 'max_results'], '', 'a field of this tool');
      // The brain checks the number against its own limit (100 unless the application lowered it).
      const result = await brain
        .recall(requireString(input, 'query'), {
          bankId,
          maxResults: (input.max_results ?? 5) as number,
          ...(context ? { context } : {}),
        })
        .catch((error: unknown) => {
          // Named as the model sent it.
          throw withFieldRenamed(error, (field) => (field === 'maxResults' ? 'max_results' : field));
        });
      return JSON.stringify({
        hits: result.hits.map((hit) => ({
          memory_id: hit.memoryId,
          text: hit.text,
          score: hit.score,
          tags: hit.tags,
          ...(hit.speaker ? { speaker: hit.speaker } : {}),
          created_at: hit.createdAt.toISOString(),
          // When the remembered event happened, where it was given: a transcript imported today was said back then.
          ...(hit.occurredAt ? { occurred_at: hit.occurredAt.toISOString() } : {}),
        })),
        total: result.totalAvailable,
      });
    }
    case 'memory_reflect': {
      checkKnownKeys(input, ['query'], '', 'a field of this tool');
      const result = await brain.reflect(requireString(input, 'query'), { bankId, ...(context ? { context } : {}) });
      return result.answer;
    }
    case 'memory_forget': {
      checkKnownKeys(input, ['memory_ids'], '', 'a field of this tool');
      // Checked here so that an error names the field as the model sent it.
      const ids = checkMemoryIds(stringList(input, 'memory_ids'), 'memory_ids');
      if (ids.length === 0) throw new ValidationError('memory_ids', 'must name at least one memory id');
      const result = await brain.forget(bankId, { memoryIds: ids, ...(context ? { context } : {}) });
      return JSON.stringify({
        deleted_count: result.deletedCount,
        // Tells the model why a memory it asked to forget is still there (legal hold, minimum age).
        ...(result.skipped?.length
          ? { skipped: result.skipped.map((s) => ({ memory_id: s.memoryId, reason: s.reason })) }
          : {}),
        // Tells it that an id it sent is not one of this bank's memories: mistyped, another bank's, or gone.
        ...(result.notFound ? { not_found: result.notFound } : {}),
      });
    }
  }
}

function requireString(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (value === undefined || value === null) throw new ValidationError(field, 'is required');
  if (typeof value !== 'string') throw new ValidationError(field, `must be a string, got ${typeof value}`);
  return value;
}

// Models send lists as "a, b" as often as ["a", "b"]; both are accepted.
function stringList(input: Record<string, unknown>, field: string): string[] {
  const value = input[field];
  if (value === undefined || value === null) return [];
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new ValidationError(field, 'must be a comma-separated string or an array of strings');
  }
  return (items as string[]).map((item) => item.trim()).filter((item) => item.length > 0);
}
