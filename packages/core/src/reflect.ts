import { speakerLine } from './recall/keyword-fields.js';
import type { MemoryHit } from './types.js';

/** The answer reflect gives without an LLM: the top memories, quoted and dated (turns with their speaker), marked as extractive. */
export function extractiveAnswer(query: string, hits: MemoryHit[]): string {
  if (hits.length === 0) return `Memory holds nothing relevant to: ${query}`;
  const lines = hits.map(
    (hit, i) =>
      `[${i + 1}] ${speakerLine(hit.speaker ?? null, hit.text)} (${(hit.occurredAt ?? hit.createdAt).toISOString().slice(0, 10)})`,
  );
  return `Extractive answer (no LLM configured): the memories most relevant to "${query}" are:\n${lines.join('\n')}`;
}
