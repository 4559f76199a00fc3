import { describe, expect, it } from 'vitest';
import { Astrocyte } from '../../astrocyte.js';
import type { Embedder } from '../../embedders/embedder.js';
import { LocalEmbedder } from '../../embedders/local-embedder.js';
import { OpenAIEmbedder } from '../../embedders/openai-embedder.js';
import {
  AstrocyteError,
  ConfigError,
  EmbedderMismatchError,
  ProviderAuthError,
  ReembedInProgressError,
  ValidationError,
} from '../../errors.js';
import type { MemoryStore } from '../../memory-store.js';
import { fakeEmbeddingVector } from '../provider-servers/fake-embedding-vector.js';
import { type FakeProviderServer, fakeProviderServerPerTest } from '../provider-servers/index.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness } from './harness.js';

const NEW_DIMENSIONS = 256;
const NEW_MODEL = 'text-embedding-3-small';
const NEW_EMBEDDER = { name: `openai:${NEW_MODEL}`, dimensions: NEW_DIMENSIONS };
const OLD_EMBEDDER = { name: 'local-hash-v1', dimensions: 384 };

const FACTS = [
  'Maria likes strong black coffee every morning',
  'The staging database runs on port 5433',
  'Tom is allergic to peanuts and shellfish',
  'The quarterly report is due on the first Friday of April',
  'Our office plants need water every Tuesday',
  'The cat is called Biscuit and sleeps on the blue sofa',
  'Deployments are frozen during the last week of December',
  'Lena prefers window seats on long flights',
  'The wifi password at the cabin is written on the fridge',
  'Invoices go to accounting before the 25th of each month',
  'The team retro happens every second Thursday',
  'Grandma bakes plum cake when the whole family visits',
];

/** An `embedding:` section for the fake OpenAI-compatible server, as astrocyte.yaml would hold it. */
function openaiSection(server: FakeProviderServer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'openai',
    model: NEW_MODEL,
    dimensions: NEW_DIMENSIONS,
    base_url: server.openaiBaseURL,
    api_key: 'test-key',
    max_retries: 0,
    ...overrides,
  };
}

/** How many texts the fake server embedded: every vector computed, counted once each time. */
function embeddedTexts(server: FakeProviderServer): number {
  return server
    .requestsTo('/v1/embeddings')
    .filter((request) => request.status === 200)
    .reduce((sum, request) => sum + ((request.body as { input: string[] }).input?.length ?? 0), 0);
}

/** Asserts that the store holds, for each memory, the new model's vector of its text (its own nearest, at ~1). */
async function expectNewVectors(store: MemoryStore, bankId: string, memories: { id: string; text: string }[]) {
  for (const memory of memories) {
    const [hit] = await store.vectorSearch([bankId], fakeEmbeddingVector(memory.text, NEW_DIMENSIONS), 1, {
      now: new Date(),
    });
    expect(hit?.id, memory.text).toBe(memory.id);
    expect(hit?.score).toBeCloseTo(1, 4);
  }
}

async function rejection(promise: Promise<unknown>): Promise<AstrocyteError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(AstrocyteError.isInstance(error), `expected an AstrocyteError, got ${String(error)}`).toBe(true);
  return error as AstrocyteError;
}

/** Re-embedding: batches staged in the store, resumable, recall meanwhile, the atomic switch, bad targets. */
export function describeReembed(factory: StoreFactory): void {
  describe('re-embedding', () => {
    const makeBrain = brainHarness(factory);
    const fake = fakeProviderServerPerTest();

    async function seeded(options: { facts?: string[] } = {}) {
      const brain = await makeBrain();
      const bankId = randomBankId('re');
      const other = randomBankId('re-other');
      const results = await brain.retainMany(
        (options.facts ?? FACTS).map((content) => ({ content })),
        { bankId },
      );
      const memories = results.map((r, i) => ({
        id: r.memoryId as string,
        text: (options.facts ?? FACTS)[i] as string,
      }));
      const [turn] = await brain.retainConversation([{ speaker: 'Ann', text: 'I moved to Porto last spring' }], {
        bankId: other,
        sessionId: 'chat-1',
      });
      const turnMemory = { id: turn?.memoryId as string, text: 'Ann: I moved to Porto last spring' };
      return { brain, bankId, other, memories, turnMemory };
    }

    it('moves every memory of every bank to the new model: recall finds the same memories, dedup uses the new vectors', async () => {
      const { brain, bankId, other, memories, turnMemory } = await seeded();
      const queries = ['who is allergic to peanuts', 'what is the cat called', 'when is the quarterly report due'];
      const before = await Promise.all(queries.map((q) => brain.recall(q, { bankId, maxResults: 3 })));

      const progress: number[] = [];
      const result = await brain.reembed({
        to: openaiSection(fake.server),
        batchSize: 5,
        onProgress: (p) => {
          if (p.phase === 'embedding') progress.push(p.staged);
        },
      });
      expect(result).toEqual({
        from: OLD_EMBEDDER,
        to: NEW_EMBEDDER,
        embedded: FACTS.length + 1,
        memories: FACTS.length + 1,
        resumed: false,
      });
      expect(progress).toEqual([5, 10, 13]);
      expect(embeddedTexts(fake.server)).toBe(FACTS.length + 1);
      expect({ name: brain.embedder.name, dimensions: brain.embedder.dimensions }).toEqual(NEW_EMBEDDER);
      expect(await brain.reembedStatus()).toEqual({
        current: NEW_EMBEDDER,
        target: null,
        staged: 0,
        total: FACTS.length + 1,
      });

      await expectNewVectors(brain.store, bankId, memories);
      // A turn is embedded as retain embedded it: after its speaker's name.
      await expectNewVectors(brain.store, other, [turnMemory]);
      const after = await Promise.all(queries.map((q) => brain.recall(q, { bankId, maxResults: 3 })));
      expect(after.map((r) => r.hits[0]?.memoryId)).toEqual(before.map((r) => r.hits[0]?.memoryId));
      expect(after[0]?.hits[0]?.text).toBe('Tom is allergic to peanuts and shellfish');

      const near = await brain.retain('Maria likes strong black coffee every morning!!', { bankId });
      expect(near).toMatchObject({ stored: false, deduplicated: true, duplicateOf: memories[0]?.id });
      expect(near.reason).toMatch(/% similar/);
      const fresh = await brain.retain('The boiler was serviced in October', { bankId });
      expect(fresh.stored).toBe(true);
      await expectNewVectors(brain.store, bankId, [
        { id: fresh.memoryId as string, text: 'The boiler was serviced in October' },
      ]);
      expect((await brain.recall('when was the boiler serviced', { bankId })).hits[0]?.memoryId).toBe(fresh.memoryId);
    });

    it('stops on abort and continues where it stopped, computing no vector twice, while recall keeps answering', async () => {
      const seed = await seeded();
      const { bankId } = seed;
      let brain = seed.brain;
      const to = openaiSection(fake.server);
      const controller = new AbortController();
      const stopped = await brain
        .reembed({
          to,
          batchSize: 4,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.staged >= 8) controller.abort();
          },
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(stopped).toBe(controller.signal.reason);
      expect(await brain.reembedStatus()).toEqual({
        current: OLD_EMBEDDER,
        target: NEW_EMBEDDER,
        staged: 8,
        total: FACTS.length + 1,
      });
      // health() tells whoever looks next of the run left in progress.
      expect((await brain.health()).reembedding).toEqual({ target: NEW_EMBEDDER, staged: 8, total: FACTS.length + 1 });
      expect(brain.embedder.name).toBe(OLD_EMBEDDER.name);
      // Recall answers from the old vectors meanwhile, and retain keeps storing with the old model.
      expect((await brain.recall('who is allergic to peanuts', { bankId })).hits[0]?.text).toBe(
        'Tom is allergic to peanuts and shellfish',
      );
      const late = await brain.retain('The spare key is under the third flowerpot', { bankId });
      expect(late.stored).toBe(true);

      // Another target while this one is in progress is refused before any request to it.
      const requests = fake.server.requests.length;
      const other = await rejection(brain.reembed({ to: openaiSection(fake.server, { dimensions: 128 }) }));
      expect(ReembedInProgressError.isInstance(other)).toBe(true);
      expect(other.details).toEqual({ inProgress: NEW_EMBEDDER, requested: { ...NEW_EMBEDDER, dimensions: 128 } });
      expect(fake.server.requests.length).toBe(requests);
      expect((await brain.reembedStatus()).staged).toBe(8);

      // A new process (a reopened store, where the backend keeps its data) continues the same run.
      if (factory.reopen) {
        await brain.close();
        brain = await Astrocyte.create({ store: await factory.reopen(brain.store), embedder: new LocalEmbedder() });
      }
      try {
        const result = await brain.reembed({ to, batchSize: 4 });
        expect(result).toMatchObject({ resumed: true, embedded: FACTS.length + 2 - 8, memories: FACTS.length + 2 });
        expect(embeddedTexts(fake.server)).toBe(FACTS.length + 2);
        expect((await brain.health()).reembedding).toBeNull();
        await expectNewVectors(brain.store, bankId, [
          { id: late.memoryId as string, text: 'The spare key is under the third flowerpot' },
        ]);
      } finally {
        if (factory.reopen) await brain.close();
      }
    });

    it('gives memories retained during the run a vector of the new model and drops those forgotten', async () => {
      const { brain, bankId, memories } = await seeded();
      const late = { id: '', text: 'The smoke detector battery was changed in May' };
      const forgotten = memories[1]?.id as string;
      await brain.reembed({
        to: openaiSection(fake.server),
        batchSize: 6,
        onProgress: async (p) => {
          if (p.phase === 'embedding' && p.embedded === 6) {
            // Staged in the first batch, then forgotten: its staged vector goes with it.
            await brain.forget(bankId, { memoryIds: [forgotten] });
            expect((await brain.reembedStatus()).staged).toBe(5);
          }
          // Retained after the last pass: the switch embeds it.
          if (p.phase === 'switching') late.id = (await brain.retain(late.text, { bankId })).memoryId as string;
        },
      });
      expect(embeddedTexts(fake.server)).toBe(FACTS.length + 2);
      await expectNewVectors(brain.store, bankId, [...memories.filter((m) => m.id !== forgotten), late]);
      expect(await brain.reembedStatus()).toMatchObject({ staged: 0, total: FACTS.length + 1 });
      expect((await brain.recall('smoke detector battery', { bankId })).hits[0]?.memoryId).toBe(late.id);
    });

    it("stores a retain that this brain's own re-embedding switched the store under, with the new model", async () => {
      // The old model holds one text until the switch is done: embedded by the old model, inserted after the switch.
      const local = new LocalEmbedder();
      const slow = 'The smoke detector battery was changed in May';
      let entered = () => {};
      const embedding = new Promise<void>((resolve) => {
        entered = resolve;
      });
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const held: Embedder = {
        name: local.name,
        dimensions: local.dimensions,
        embed: async (texts) => {
          if (texts.includes(slow)) {
            entered();
            await released;
          }
          return local.embed(texts);
        },
      };
      const brain = await makeBrain({ embedder: held });
      const bankId = randomBankId('re');
      const [first] = await brain.retainMany([{ content: FACTS[0] as string }], { bankId });
      const retained = brain.retain(slow, { bankId });
      await embedding;
      await brain.reembed({ to: openaiSection(fake.server) });
      release();
      const late = { id: (await retained).memoryId as string, text: slow };
      await expectNewVectors(brain.store, bankId, [{ id: first?.memoryId as string, text: FACTS[0] as string }, late]);
    });

    it('refuses a bad target with a typed error and changes nothing', async () => {
      const { brain, bankId } = await seeded({ facts: FACTS.slice(0, 3) });
      const unchanged = async () => {
        expect(await brain.reembedStatus()).toEqual({ current: OLD_EMBEDDER, target: null, staged: 0, total: 4 });
        expect(brain.embedder.name).toBe(OLD_EMBEDDER.name);
        expect((await brain.recall('black coffee', { bankId })).hits[0]?.text).toBe(FACTS[0]);
      };
      const unknown = await rejection(brain.reembed({ to: { provider: 'cohere', dimensions: 256 } }));
      expect(ConfigError.isInstance(unknown)).toBe(true);
      expect(unknown.message).toContain('embedding.provider');
      const notASection = await rejection(brain.reembed({ to: 'openai' }));
      expect(ValidationError.isInstance(notASection) && notASection.details.field).toBe('to');
      const same = await rejection(brain.reembed({ to: { provider: 'local' } }));
      expect(ValidationError.isInstance(same) && same.message).toContain('already holds');
      const batch = await rejection(brain.reembed({ to: openaiSection(fake.server), batchSize: 0 }));
      expect(batch.details.field).toBe('batchSize');
      await unchanged();

      const server = await fake.restart({ apiKey: 'the-right-key' });
      const wrongKey = await rejection(brain.reembed({ to: openaiSection(server, { api_key: 'a-wrong-key' }) }));
      expect(ProviderAuthError.isInstance(wrongKey)).toBe(true);
      expect(wrongKey.code).toBe('provider_auth');
      await unchanged();

      const shortVectors = await fake.restart({ fixedDimensions: 100 });
      const wrongSize = await rejection(brain.reembed({ to: openaiSection(shortVectors) }));
      expect(wrongSize.code).toBe('embedding_dimensions');
      await unchanged();
    });

    it('cancels a run on request, after which another model may be chosen', async () => {
      const { brain, bankId, memories } = await seeded();
      const controller = new AbortController();
      await brain
        .reembed({
          to: openaiSection(fake.server),
          batchSize: 5,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        })
        .catch(() => undefined);
      expect((await brain.reembedStatus()).target).toEqual(NEW_EMBEDDER);
      await brain.cancelReembed();
      expect(await brain.reembedStatus()).toMatchObject({ current: OLD_EMBEDDER, target: null, staged: 0 });
      const result = await brain.reembed({ to: openaiSection(fake.server, { dimensions: 64 }) });
      expect(result).toMatchObject({ to: { ...NEW_EMBEDDER, dimensions: 64 }, resumed: false });
      const [hit] = await brain.store.vectorSearch([bankId], fakeEmbeddingVector(FACTS[2] as string, 64), 1, {
        now: new Date(),
      });
      expect(hit?.id).toBe(memories[2]?.id);
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('leaves a store that opens only with the new embedder', async () => {
        const { brain, bankId } = await seeded({ facts: FACTS.slice(0, 4) });
        await brain.reembed({ to: openaiSection(fake.server) });
        await brain.close();
        const store = await reopen(brain.store);
        try {
          const old = await rejection(Astrocyte.create({ store, embedder: new LocalEmbedder() }));
          expect(EmbedderMismatchError.isInstance(old)).toBe(true);
          expect(old.details).toEqual({ stored: NEW_EMBEDDER, configured: OLD_EMBEDDER });
          expect(old.message).toContain('astrocyte reembed');
          const embedder = await OpenAIEmbedder.create({
            model: NEW_MODEL,
            dimensions: NEW_DIMENSIONS,
            baseURL: fake.server.openaiBaseURL,
            apiKey: 'test-key',
          });
          const reopened = await Astrocyte.create({ store, embedder });
          expect((await reopened.recall('black coffee', { bankId })).hits[0]?.text).toBe(FACTS[0]);
        } finally {
          await store.close();
        }
      });
    }
  });
}
