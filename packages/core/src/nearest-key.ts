import type { z } from 'zod';

/**
 * The key of `candidates` nearest to `key` (edit distance, ignoring case) if it is close enough to be a typo: what an
 * unknown key's error suggests, so that `tag`, `max_result` or `maxResults` points at `tags` or `max_results`.
 */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

/** `; did you mean "x"?` for a suggestion, nothing without one: the end of an unknown key's message. */
export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
}

/** The keys `schema` allows in the object at `path` (every branch of a union), for a suggestion. */
export function schemaKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const maps = mapsOf(schema);
  if (path.length === 0) return [...new Set(maps.flatMap((m) => Object.keys(m.shape ?? {})))];
  const [head, ...rest] = path;
  return [
    ...new Set(
      maps.flatMap((m) => {
        // A record's value schema is that of every key (a rule's `match.metadata.<field>`).
        const child = m.def.type === 'record' ? m.def.valueType : m.shape?.[String(head)];
        return child ? schemaKeysAt(child, rest) : [];
      }),
    ),
  ];
}

// An object schema (its `shape`) or a record schema (its `valueType`).
type KeyedSchema = { def: { type: string; valueType?: z.ZodType }; shape?: Record<string, z.ZodType> };

// Unwraps optional, default, union and refinement wrappers down to the object and record schemas they hold. Told by
// `def.type` rather than instanceof, so a backend package's schema works whichever copy of zod built it.
function mapsOf(schema: z.ZodType): KeyedSchema[] {
  const def = schema.def as { type: string; options?: z.ZodType[] };
  if (def.type === 'object' || def.type === 'record') return [schema as unknown as KeyedSchema];
  if (def.type === 'union') return (def.options ?? []).flatMap(mapsOf);
  const inner = (schema as { def?: { innerType?: z.ZodType; in?: z.ZodType } }).def;
  if (inner?.innerType) return mapsOf(inner.innerType);
  if (inner?.in) return mapsOf(inner.in);
  return [];
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
