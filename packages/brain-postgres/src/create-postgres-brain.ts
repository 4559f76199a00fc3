import { Astrocyte, LocalEmbedder } from '@astrocyte/core';
import { brainOptionFields, checkBrainSettings, splitBrainOptions } from '@astrocyte/core/backend';
import type { z } from 'zod';
import { openPostgresStore } from './postgres-memory-store.js';
import { parseOptions, postgresStoreOptionsSchema } from './store-options.js';

/** The options of `createPostgresBrain`: the store's options plus the pipeline's (embedder, llm, governance...). */
export const postgresBrainOptionsSchema = postgresStoreOptionsSchema.safeExtend(brainOptionFields);

/** What callers pass to `createPostgresBrain`. */
export type PostgresBrainOptions = z.input<typeof postgresBrainOptionsSchema>;

/** A Brain on Postgres in one call: opens and migrates the store, then builds the pipeline (local embedder by default). */
export async function createPostgresBrain(options: PostgresBrainOptions): Promise<Astrocyte> {
  const { brain, store: storeOptions } = splitBrainOptions(parseOptions(postgresBrainOptionsSchema, options));
  // Before the store opens, so that bad settings create and migrate no schema.
  checkBrainSettings(brain);
  const embedder = brain.embedder ?? new LocalEmbedder();
  // Named to the store, which refuses a schema recording another before it upgrades it.
  const store = await openPostgresStore({
    ...storeOptions,
    embedder: { name: embedder.name, dimensions: embedder.dimensions },
  });
  try {
    return await Astrocyte.create({ ...brain, store, embedder });
  } catch (error) {
    await store.close();
    throw error;
  }
}
