import { DEFAULTS } from '../defaults.js';
import type { Embedder } from '../embedders/embedder.js';
import { StorageError, ValidationError } from '../errors.js';
import type { EmbedderInfo, MemoryStore } from '../memory-store.js';
import { speakerLine } from '../recall/keyword-fields.js';
import { checkInteger } from '../validation.js';
import type { ReembedOptions, ReembedProgress, ReembedResult } from './reembed-types.js';
import { type ReembedItem, type StoreReembedding, sameEmbedder } from './store-reembedding.js';

// Passes over the store before the switch: each catches the memories retained during the one before into parts of
// the store it had already passed; the switch embeds whatever the last one left.
const MAX_PASSES = 3;
// Embedded to check the new model's credentials and size when the store holds no memory to check them with.
const PROBE_TEXT = 'Astrocyte re-embedding check';

/** The store's re-embedding part; a store without one cannot be re-embedded in place. */
export function reembeddingOf(store: MemoryStore): StoreReembedding {
  if (!store.reembedding)
    throw new StorageError(`${store.backend}: this store cannot be re-embedded in place`, { code: 'not_supported' });
  return store.reembedding;
}

/** The name and dimension of an embedder, as stores record them. */
export function embedderInfo(embedder: Embedder): EmbedderInfo {
  return { name: embedder.name, dimensions: embedder.dimensions };
}

/**
 * Computes `next`'s vector for every live memory of the store in batches, staging them in the store (which keeps
 * serving recall from the old vectors), then switches the store to them in one transaction. Resumable: a run that
 * stopped (crash, abort) left its staged vectors and target in the store, and a run to the same embedder continues
 * from there without computing them again. Nothing is recorded before the new model has answered a first batch, so
 * a bad `to` (wrong key, wrong size) changes nothing.
 */
export async function runReembed(
  store: MemoryStore,
  next: Embedder,
  options: Omit<ReembedOptions, 'to'>,
): Promise<ReembedResult> {
  const reembedding = reembeddingOf(store);
  const batchSize = checkInteger(options.batchSize, 'batchSize', 1, 10_000, DEFAULTS.reembed.batchSize);
  const { signal, onProgress } = options;
  const target = embedderInfo(next);
  const state = await reembedding.state();
  if (sameEmbedder(state.current, target))
    throw new ValidationError(
      'to',
      `names the embedder the store already holds (${target.name}, ${target.dimensions} dimensions); there is nothing to re-embed`,
    );
  // Refused before any request to the new model: a different target in progress is the user's mistake.
  if (state.target) await reembedding.begin(target);
  const resumed = state.target !== null;
  let begun = resumed;
  const progress: ReembedProgress = { phase: 'embedding', staged: state.staged, total: state.total, embedded: 0 };
  const embedTexts = async (texts: string[]) => {
    try {
      return await next.embed(texts, { purpose: 'document', ...(signal ? { signal } : {}) });
    } catch (error) {
      // An abort during a request surfaces as the provider's error: the caller asked to stop, so it gets its reason.
      signal?.throwIfAborted();
      throw error;
    }
  };
  // The text a memory's vector was computed from when it was retained.
  const embed = (items: ReembedItem[]) => embedTexts(items.map((item) => speakerLine(item.speaker, item.text)));

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let found = 0;
    let cursor: string | null = null;
    do {
      signal?.throwIfAborted();
      const page = await reembedding.pending(cursor, batchSize);
      cursor = page.cursor;
      if (page.items.length === 0) break;
      const vectors = await embed(page.items);
      // The first batch is the new model's test: only once it has answered does the store record the target.
      if (!begun) {
        await reembedding.begin(target);
        begun = true;
      }
      await reembedding.stage(
        target,
        page.items.map((item, i) => ({ bankId: item.bankId, id: item.id, embedding: vectors[i] as Float32Array })),
      );
      found += page.items.length;
      progress.embedded += page.items.length;
      progress.staged += page.items.length;
      progress.total = Math.max(progress.total, progress.staged);
      await onProgress?.({ ...progress });
    } while (cursor !== null);
    if (found === 0) break;
  }

  if (!begun) {
    // No memory needed a vector (an empty store): the new model still has to prove it answers before the switch.
    await embedTexts([PROBE_TEXT]);
    await reembedding.begin(target);
  }
  await onProgress?.({ ...progress, phase: 'switching' });
  signal?.throwIfAborted();
  await reembedding.switchTo(target, async (missing) => {
    progress.embedded += missing.length;
    return missing.length > 0 ? embed(missing) : [];
  });
  const memories = (await reembedding.state()).total;
  return { from: state.current, to: target, embedded: progress.embedded, memories, resumed };
}
