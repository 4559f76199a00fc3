import { AstrocyteError } from '../errors.js';
import type { EmbedderInfo, MemoryStore, StoreDescription } from '../memory-store.js';
import type { LastFailure } from './failure-log.js';
import type { HealthReport, ReembeddingInProgress } from './health-report.js';

/** Asks the store about itself and compares its recorded embedder with the configured one; never throws. */
export async function checkHealth(parts: {
  store: MemoryStore;
  embedder: EmbedderInfo;
  lastError: LastFailure | null;
  now: Date;
}): Promise<HealthReport> {
  const { store, lastError, now } = parts;
  const configured = { name: parts.embedder.name, dimensions: parts.embedder.dimensions };
  const base = { checkedAt: now, backend: store.backend, lastError };
  let description: StoreDescription | null;
  let counts: { memories: number; banks: number };
  let reembedding: ReembeddingInProgress | null;
  try {
    description = store.describe ? await store.describe() : null;
    counts = description?.counts ?? countBanks(await store.banks());
    reembedding = await reembeddingInProgress(store, description);
  } catch (error) {
    return {
      ...base,
      ok: false,
      store: {
        reachable: false,
        error: {
          code: AstrocyteError.isInstance(error) ? error.code : null,
          message: error instanceof Error ? error.message : String(error),
        },
      },
      embedder: { configured, recorded: null, matches: null },
      reembedding: null,
      counts: null,
    };
  }
  const recorded = description?.embedder ?? null;
  const matches =
    recorded === null ? null : recorded.name === configured.name && recorded.dimensions === configured.dimensions;
  return {
    ...base,
    ok: matches !== false,
    store: {
      reachable: true,
      engine: description?.engine ?? null,
      location: description?.location ?? null,
      vectorExtension: description?.vectorExtension ?? null,
      schemaVersion: description?.schemaVersion ?? null,
    },
    embedder: { configured, recorded: recorded && { name: recorded.name, dimensions: recorded.dimensions }, matches },
    reembedding,
    counts,
  };
}

/** Memories and banks in total, from the per-bank counts of `MemoryStore.banks`. */
export function countBanks(banks: { memoryCount: number }[]): { memories: number; banks: number } {
  return { memories: banks.reduce((sum, bank) => sum + bank.memoryCount, 0), banks: banks.length };
}

/** The re-embedding the store has in progress, if it can re-embed and has an embedder recorded (else there is none). */
export async function reembeddingInProgress(
  store: MemoryStore,
  description: StoreDescription | null,
): Promise<ReembeddingInProgress | null> {
  if (!store.reembedding || !description?.embedder) return null;
  const { target, staged, total } = await store.reembedding.state();
  return target && { target: { name: target.name, dimensions: target.dimensions }, staged, total };
}
