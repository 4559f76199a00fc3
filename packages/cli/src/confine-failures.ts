import { ValidationError } from '@astrocyte/core';

/**
 * Runs one retain call over `entries`. Bad input in one entry (too long, a bad date) fails the whole call, so the
 * call is then retried entry by entry, in order, which confines the error to its own entry.
 */
export async function confineFailures<T, R>(
  entries: T[],
  call: (entries: T[]) => Promise<R[]>,
): Promise<(R | Error)[]> {
  try {
    return await call(entries);
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    // The field names the entry within the call (items[3].tags, turns[0].speaker); alone, the field is enough.
    if (entries.length === 1) return [new Error(error.message.replace(/^(?:items|turns)\[\d+\]\./, ''))];
  }
  const results: (R | Error)[] = [];
  for (const entry of entries) results.push(...(await confineFailures([entry], call)));
  return results;
}
