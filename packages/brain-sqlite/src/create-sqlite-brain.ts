import { Astrocyte, LocalEmbedder } from '@astrocyte/core';
import { type BrainOnlyOptions, checkBrainSettings, splitBrainOptions } from '@astrocyte/core/backend';
import { SqliteMemoryStore } from './sqlite-memory-store.js';
import { parseSqliteBrainOptions, type SqliteStoreOptions } from './store-options.js';

/** Options of createSqliteBrain: where the store lives, plus the pipeline's options; `embedder` defaults to local. */
export type SqliteBrainOptions = SqliteStoreOptions & BrainOnlyOptions;

/** A Brain on SQLite in one call: opens the store and builds an Astrocyte over it with the local embedder by default. */
export async function createSqliteBrain(options: SqliteBrainOptions): Promise<Astrocyte> {
  const { brain, store: storeOptions } = splitBrainOptions(parseSqliteBrainOptions(options));
  // Before the store opens, so that bad settings create no database file.
  checkBrainSettings(brain);
  const embedder = brain.embedder ?? new LocalEmbedder();
  // Named to the store, which refuses a file recording another before it upgrades it.
  const info = { name: embedder.name, dimensions: embedder.dimensions };
  const store = SqliteMemoryStore.open({ ...storeOptions, embedder: info } as SqliteStoreOptions);
  try {
    return await Astrocyte.create({ ...brain, store, embedder });
  } catch (error) {
    await store.close();
    throw error;
  }
}
