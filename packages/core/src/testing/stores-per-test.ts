import { afterEach } from 'vitest';
import type { EmbedderInfo, MemoryStore } from '../memory-store.js';

/**
 * For the tests of a file or suite (call it once, where `afterEach` may be called): `open` wrapped so that each
 * store it opens records `embedder` (when given) and is closed after the test that opened it.
 */
export function storesPerTest<A extends unknown[], S extends MemoryStore>(
  open: (...args: A) => Promise<S>,
  embedder?: EmbedderInfo,
): (...args: A) => Promise<S> {
  const opened: S[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  return async (...args) => {
    const store = await open(...args);
    opened.push(store);
    if (embedder) await store.ensureEmbedder(embedder);
    return store;
  };
}
