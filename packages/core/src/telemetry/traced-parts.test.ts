import { describe, expect, it } from 'vitest';
import { Astrocyte } from '../astrocyte.js';
import { LocalEmbedder } from '../embedders/local-embedder.js';
import { InMemoryStore } from '../in-memory/in-memory-store.js';
import { telemetryRecorder } from '../testing/observability-conformance/telemetry-recorder.js';

describe('traced store, embedder and LLM', () => {
  const recorder = telemetryRecorder();

  it('keep their class and fields', async () => {
    const brain = await Astrocyte.create({
      store: new InMemoryStore(),
      embedder: new LocalEmbedder({ dimensions: 64 }),
    });
    expect(brain.store).toBeInstanceOf(InMemoryStore);
    expect(brain.store.backend).toBe('memory');
    expect(brain.embedder.name).toBe('local-hash-v1');
    expect(brain.embedder.dimensions).toBe(64);
    await brain.close();
  });

  it('trace a store handed to two brains once, and follow a method replaced after wrapping', async () => {
    const store = new InMemoryStore();
    const first = await Astrocyte.create({ store, embedder: new LocalEmbedder() });
    const second = await Astrocyte.create({ store: first.store, embedder: new LocalEmbedder() });
    await second.retain('The canteen closes at three', { bankId: 'shared' });
    const inserts = (await recorder.spans()).filter((span) => span.name === 'astrocyte.store.insert');
    expect(inserts).toHaveLength(1);

    let replaced = 0;
    store.banks = async () => {
      replaced++;
      return InMemoryStore.prototype.banks.call(store);
    };
    expect(await second.banks()).toEqual([{ bankId: 'shared', memoryCount: 1 }]);
    expect(replaced).toBe(1);
    expect((await recorder.spans()).filter((span) => span.name === 'astrocyte.store.banks')).toHaveLength(1);
    await first.close();
  });

  it("reach the store's access ledger, each call a span", async () => {
    const brain = await Astrocyte.create({ store: new InMemoryStore(), embedder: new LocalEmbedder() });
    const ledger = brain.store.accessLedger;
    if (!ledger) throw new Error('the in-memory store has an access ledger');
    const window = new Date('2026-06-01T12:00:00Z');
    expect(await ledger.addToCounter('ops:user:alice', window, 2, window)).toBe(2);
    expect(await brain.store.accessLedger?.addToCounter('ops:user:alice', window, 3, window)).toBe(5);
    expect(brain.store.accessLedger).toBe(ledger);
    const spans = (await recorder.spans()).filter((span) => span.name.startsWith('astrocyte.store.access_ledger.'));
    expect(spans.map((span) => span.name)).toEqual([
      'astrocyte.store.access_ledger.add_to_counter',
      'astrocyte.store.access_ledger.add_to_counter',
    ]);
    expect(spans[0]?.attributes['astrocyte.backend']).toBe('memory');
    await brain.close();
  });
});
