import { Astrocyte, type AstrocyteOptions, type Embedder, LocalEmbedder } from '@astrocyte/core';
import { SqliteMemoryStore } from './sqlite-memory-store.js';
import type { SqliteStoreOptions } from './store-options.js';

/** Options of createSqliteBrain: where the store lives, plus the pipeline's options; `embedder` defaults to local. */
export type SqliteBrainOptions = SqliteStoreOptions &
  Omit<AstrocyteOptions, 'store' | 'embedder'> & {
    embedder?: Embedder;
  };

const STORE_KEYS = new Set(['path', 'database', 'busyTimeoutMs', 'synchronous']);

/** A Brain on SQLite in one call: opens the store and builds an Astrocyte over it with the local embedder by default. */
export async function createSqliteBrain(options: SqliteBrainOptions): Promise<Astrocyte> {
  const storeOptions: Record<string, unknown> = {};
  const brainOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== undefined) (STORE_KEYS.has(key) ? storeOptions : brainOptions)[key] = value;
  }
  const { embedder, ...rest } = brainOptions as Omit<SqliteBrainOptions, keyof SqliteStoreOptions>;
  const store = SqliteMemoryStore.open(storeOptions as SqliteStoreOptions);
  try {
    return await Astrocyte.create({ ...rest, store, embedder: embedder ?? new LocalEmbedder() });
  } catch (error) {
    await store.close();
    throw error;
  }
}
