import { ValidationError } from '@astrocyte/core';

/**
 * Runs one retain call over `entries`. Bad input in one entry (too long, a bad date) fails the whole call, naming the
 * entry (`items[3].tags`, `turns[0].speaker`): that entry gets the error and the call runs again without it. The
 * call is never split: a turn said again at the same time is told apart from its session sent again only within one
 * call, so a session's turns split over two calls would lose the repeats. An error that names no entry is every
 * entry's.
 */
export async function confineFailures<T, R>(
  entries: T[],
  call: (entries: T[]) => Promise<R[]>,
): Promise<(R | Error)[]> {
  const results: (R | Error)[] = new Array(entries.length);
  let left = [...entries.keys()];
  while (left.length > 0) {
    try {
      const stored = await call(left.map((index) => entries[index] as T));
      left.forEach((index, i) => {
        results[index] = stored[i] as R;
      });
      return results;
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      const named = /^(?:items|turns)\[(\d+)\]/.exec(String(error.details.field));
      const at = named ? Number(named[1]) : undefined;
      if (at === undefined || at >= left.length) {
        for (const index of left) results[index] = new Error(error.message);
        return results;
      }
      // Alone, the field is enough: the entry's place in a call says nothing to the user.
      results[left[at] as number] = new Error(error.message.replace(/^(?:items|turns)\[\d+\]\./, ''));
      left = left.filter((_, i) => i !== at);
    }
  }
  return results;
}
