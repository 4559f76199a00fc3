import { describe, expect, it } from 'vitest';
import { Astrocyte, type AstrocyteOptions } from './astrocyte.js';
import { LocalEmbedder } from './embedders/local-embedder.js';
import { ValidationError } from './errors.js';
import { InMemoryStore } from './in-memory/in-memory-store.js';

// What Astrocyte.create makes of the options a JavaScript caller, or one reading them from its own config, may get
// wrong: each is a ValidationError naming the key, before the store records anything.
describe('Astrocyte.create options', () => {
  const base = () => ({ store: new InMemoryStore(), embedder: new LocalEmbedder() });
  const fieldOf = (options: unknown) =>
    Astrocyte.create(options as AstrocyteOptions).then(
      (brain) => brain.close().then(() => 'created'),
      (error: unknown) => (ValidationError.isInstance(error) ? error.details.field : `${error}`),
    );

  it('refuses a misspelt key at the top or in a section, naming it', async () => {
    expect(await fieldOf({ ...base(), embeder: new LocalEmbedder() })).toBe('embeder');
    expect(await fieldOf({ ...base(), recall: { vectorWeigth: 0.5 } })).toBe('recall.vectorWeigth');
    expect(await fieldOf({ ...base(), dedup: { treshold: 0.9 } })).toBe('dedup.treshold');
    expect(await fieldOf({ ...base(), reflect: { maxSource: 3 } })).toBe('reflect.maxSource');
    expect(await fieldOf({ ...base(), hooks: { includeTxt: true } })).toBe('hooks.includeTxt');
    expect(await fieldOf({ ...base(), limits: { maxContent: 10 } })).toBe('limits.maxContent');
    expect(await fieldOf({ ...base(), recall: 'fast' })).toBe('recall');
  });

  it('needs a store and an embedder, with a typed error rather than a TypeError', async () => {
    expect(await fieldOf({ store: new InMemoryStore() })).toBe('embedder');
    expect(await fieldOf({ store: new InMemoryStore(), embedder: 'local' })).toBe('embedder');
    expect(await fieldOf({ embedder: new LocalEmbedder() })).toBe('store');
    expect(await fieldOf(null)).toBe('options');
  });

  it('checks the values of limits, dedup.action and recall.recencyHalfLifeDays', async () => {
    expect(await fieldOf({ ...base(), limits: { maxContentLength: '1000' } })).toBe('limits.maxContentLength');
    expect(await fieldOf({ ...base(), limits: { maxContentLength: 20_000_000 } })).toBe('limits.maxContentLength');
    expect(await fieldOf({ ...base(), limits: { chunkSize: 10 } })).toBe('limits.chunkSize');
    expect(await fieldOf({ ...base(), limits: { maxResults: 0 } })).toBe('limits.maxResults');
    // A capitalised action used to be taken for skip: near-duplicates the caller meant to keep were dropped.
    expect(await fieldOf({ ...base(), dedup: { action: 'Keep' } })).toBe('dedup.action');
    expect(await fieldOf({ ...base(), recall: { recencyHalfLifeDays: 0 } })).toBe('recall.recencyHalfLifeDays');
    expect(await fieldOf({ ...base(), recall: { recencyHalfLifeDays: null } })).toBe('created');
  });

  it('applies the limits it is given over the defaults', async () => {
    const brain = await Astrocyte.create({ ...base(), limits: { maxContentLength: 20, maxTags: 1 } });
    expect(brain.limits).toMatchObject({ maxContentLength: 20, maxTags: 1, maxBatchSize: 10_000 });
    const tooLong = await brain.retain('x'.repeat(21), { bankId: 'b' }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(tooLong) && tooLong.details.field).toBe('content');
    const tags = await brain.retain('short', { bankId: 'b', tags: ['a', 'b'] }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(tags) && tags.details.field).toBe('tags');
    await brain.close();
  });
});
