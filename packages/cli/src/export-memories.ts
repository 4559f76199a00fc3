import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type AstrocyteContext, type Brain, memoryToJson, ValidationError } from '@astrocyte/core';

/** What to export and how to report progress. */
export interface ExportOptions {
  tags?: string[];
  pathPrefix?: string;
  /** Memories per `list` page; defaults to 1000. */
  pageSize?: number;
  /** Who reads: checked against the grants when access is configured. */
  context?: AstrocyteContext;
  onProgress?: (exported: number) => void;
}

/**
 * Writes every live memory of a bank to `out` as JSON Lines, oldest first, one page at a time: memory use stays
 * flat however large the bank, and a slow reader (a pipe to gzip) holds the export back instead of filling RAM.
 */
export async function exportMemories(
  brain: Brain,
  bankId: string,
  out: Writable,
  options: ExportOptions = {},
): Promise<{ exported: number }> {
  // An empty filter would export every memory: a list built from an unset variable must not share the whole bank.
  if (options.tags?.length === 0)
    throw new ValidationError('tags', 'must name at least one tag; leave it out to export every memory');
  let exported = 0;
  let cursor: string | undefined;
  do {
    const page = await brain.list(bankId, {
      limit: options.pageSize ?? 1000,
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.pathPrefix ? { pathPrefix: options.pathPrefix } : {}),
      ...(cursor ? { cursor } : {}),
      ...(options.context ? { context: options.context } : {}),
    });
    if (page.items.length > 0) {
      const chunk = `${page.items.map((memory) => JSON.stringify(memoryToJson(memory))).join('\n')}\n`;
      if (!out.write(chunk)) await once(out, 'drain');
      exported += page.items.length;
      options.onProgress?.(exported);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { exported };
}
