import type { z } from 'zod';
import { configSchema } from './config-schema.js';

/**
 * The valid key nearest to `key` among the keys `schema` (by default the config's) allows at `path`, if one is close
 * enough to be a typo.
 */
export function suggestKey(key: string, path: PropertyKey[], schema: z.ZodType = configSchema): string | undefined {
  const candidates = keysAt(schema, path);
  let best: { key: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

function keysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  const objects = objectsOf(schema);
  if (path.length === 0) return [...new Set(objects.flatMap((o) => Object.keys(o.shape)))];
  const [head, ...rest] = path;
  return [
    ...new Set(
      objects.flatMap((o) => {
        const child = o.shape[String(head)] as z.ZodType | undefined;
        return child ? keysAt(child, rest) : [];
      }),
    ),
  ];
}

// Unwraps optional, default, union and refinement wrappers down to the object schemas they hold. Told by `def.type`
// rather than instanceof, so a backend package's schema works whichever copy of zod built it.
function objectsOf(schema: z.ZodType): z.ZodObject[] {
  const def = schema.def as { type: string; options?: z.ZodType[] };
  if (def.type === 'object') return [schema as z.ZodObject];
  if (def.type === 'union') return (def.options ?? []).flatMap(objectsOf);
  const inner = (schema as { def?: { innerType?: z.ZodType; in?: z.ZodType } }).def;
  if (inner?.innerType) return objectsOf(inner.innerType);
  if (inner?.in) return objectsOf(inner.in);
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
