import { z } from 'zod';
import type { AstrocyteOptions } from './astrocyte.js';
import type { Embedder } from './embedders/embedder.js';

const passThrough = <T>(check: (v: unknown) => boolean, message: string) => z.custom<T>(check, message).optional();
const isObject = (v: unknown) => typeof v === 'object' && v !== null;

/**
 * The brain's own options as a backend's create function takes them beside its store's (`createSqliteBrain`,
 * `createPostgresBrain`): extend the store's strict schema with them, so that a key of neither is refused. Each is
 * checked here for its kind only; the brain checks what is inside.
 */
export const brainOptionFields = {
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
};

/**
 * A store's `embedder` option: the embedder it will be used with (name and dimensions), which the store checks against
 * the one it recorded before it upgrades its schema. The create functions pass the brain's.
 */
export const embedderInfoSchema = z.object({ name: z.string().min(1), dimensions: z.number().int().min(1) });

/** The brain's options of a backend's create function, the embedder optional (the local one by default). */
export type BrainOnlyOptions = Omit<AstrocyteOptions, 'store' | 'embedder'> & { embedder?: Embedder };

/** Options parsed with `brainOptionFields` split into the brain's and the store's; unset ones are left out. */
export function splitBrainOptions<T extends object>(
  options: T,
): { brain: BrainOnlyOptions; store: Omit<T, keyof typeof brainOptionFields> } {
  const brain: Record<string, unknown> = {};
  const store: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (key in brainOptionFields ? brain : store)[key] = value;
  }
  return { brain, store } as { brain: BrainOnlyOptions; store: Omit<T, keyof typeof brainOptionFields> };
}
