import { describe, expect, it } from 'vitest';
import { OpenAIEmbedder } from '../../embedders/openai-embedder.js';
import { startFakeProviderServer } from '../provider-servers/fake-provider-server.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness, manualClock } from './harness.js';

/** `brain.health()`: what it reports of a store that answers, and the last failure it keeps. */
export function describeHealth(factory: StoreFactory): void {
  describe('health', () => {
    const makeBrain = brainHarness(factory);

    it('reports a store that answers: the configured embedder recorded, memories and banks counted, no failure', async () => {
      const brain = await makeBrain();
      const [a, b] = [randomBankId('a'), randomBankId('b')];
      await brain.retainMany([{ content: 'Ada takes the 7:40 train' }, { content: 'Ada drinks tea, never coffee' }], {
        bankId: a,
      });
      await brain.retain('Grace keeps bees on the roof', { bankId: b });
      const report = await brain.health();
      const embedder = { name: brain.embedder.name, dimensions: brain.embedder.dimensions };
      // A store that cannot describe itself still answers counts; it just says nothing of its embedder.
      const described = brain.store.describe !== undefined;
      expect(report).toMatchObject({
        ok: true,
        backend: brain.store.backend,
        store: { reachable: true },
        embedder: { configured: embedder, recorded: described ? embedder : null, matches: described ? true : null },
        counts: { memories: 3, banks: 2 },
        lastError: null,
      });
      expect(report.checkedAt).toBeInstanceOf(Date);
    });

    it("keeps the last failure of an operation with its code and time, and not a caller's invalid input", async () => {
      const server = await startFakeProviderServer();
      try {
        const clock = manualClock();
        const embedder = await OpenAIEmbedder.create({ baseURL: server.openaiBaseURL, dimensions: 32, maxRetries: 0 });
        const brain = await makeBrain({ embedder, now: clock.now });
        const bankId = randomBankId();
        server.fail({ path: '/v1/embeddings', status: 500 });
        await expect(brain.retain('The boiler was serviced in May', { bankId })).rejects.toMatchObject({
          code: 'provider_error',
        });
        clock.advance(60_000);
        await expect(brain.recall('boiler', { bankId: 'not a bank id!' })).rejects.toMatchObject({
          code: 'invalid_input',
        });
        const report = await brain.health();
        expect(report.lastError).toEqual({
          operation: 'retain',
          code: 'provider_error',
          message: expect.stringMatching(/embeddings request .* failed: server_error \(HTTP 500\)/),
          at: new Date(clock.now().getTime() - 60_000),
        });
        // The provider's own words (which may quote a prompt, and so memories a forget erases later) are not kept.
        expect(report.lastError?.message).not.toContain('injected fault');
        // A past failure is history, not a sick store: the brain works again.
        expect(report.ok).toBe(true);
        expect((await brain.retain('The boiler was serviced in May', { bankId })).stored).toBe(true);
      } finally {
        await server.close();
      }
    });
  });
}
