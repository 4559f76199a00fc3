import { Astrocyte, type AstrocyteOptions, type Embedder, LocalEmbedder } from '@astrocyte/core';
import { z } from 'zod';
import { openPostgresStore } from './postgres-memory-store.js';
import { parseOptions, postgresStoreOptionsSchema } from './store-options.js';

const passThrough = <T>(check: (v: unknown) => boolean, message: string) => z.custom<T>(check, message).optional();
const isObject = (v: unknown) => typeof v === 'object' && v !== null;

/** The options of `createPostgresBrain`: the store's options plus the pipeline's (embedder, llm, governance...). */
export const postgresBrainOptionsSchema = postgresStoreOptionsSchema.safeExtend({
  embedder: passThrough<Embedder>(
    (v) => isObject(v) && typeof (v as Embedder).embed === 'function',
    'must be an Embedder (with embed())',
  ),
  llm: passThrough<AstrocyteOptions['llm']>(isObject, 'must be an LLM object'),
  governance: passThrough<AstrocyteOptions['governance']>(isObject, 'must be a Governance instance'),
  limits: passThrough<AstrocyteOptions['limits']>(isObject, 'must be an object'),
  dedup: passThrough<AstrocyteOptions['dedup']>(isObject, 'must be an object'),
  recall: passThrough<AstrocyteOptions['recall']>(isObject, 'must be an object'),
  reflect: passThrough<AstrocyteOptions['reflect']>(isObject, 'must be an object'),
  hooks: passThrough<AstrocyteOptions['hooks']>(isObject, 'must be an object'),
  access: passThrough<AstrocyteOptions['access']>(isObject, 'must be an object'),
  now: passThrough<AstrocyteOptions['now']>((v) => typeof v === 'function', 'must be a function returning a Date'),
});

/** What callers pass to `createPostgresBrain`. */
export type PostgresBrainOptions = z.input<typeof postgresBrainOptionsSchema>;

/** A Brain on Postgres in one call: opens and migrates the store, then builds the pipeline (local embedder by default). */
export async function createPostgresBrain(options: PostgresBrainOptions): Promise<Astrocyte> {
  const { embedder, llm, governance, limits, dedup, recall, reflect, hooks, access, now, ...storeOptions } =
    parseOptions(postgresBrainOptionsSchema, options);
  const store = await openPostgresStore(storeOptions);
  try {
    return await Astrocyte.create({
      store,
      embedder: embedder ?? new LocalEmbedder(),
      ...(llm ? { llm } : {}),
      ...(governance ? { governance } : {}),
      ...(limits ? { limits } : {}),
      ...(dedup ? { dedup } : {}),
      ...(recall ? { recall } : {}),
      ...(reflect ? { reflect } : {}),
      ...(hooks ? { hooks } : {}),
      ...(access ? { access } : {}),
      ...(now ? { now } : {}),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
}
