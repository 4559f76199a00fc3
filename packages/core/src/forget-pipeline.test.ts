import { describe, expect, it } from 'vitest';
import { Astrocyte } from './astrocyte.js';
import { LocalEmbedder } from './embedders/local-embedder.js';
import { Governance } from './governance/governance.js';
import { InMemoryStore } from './in-memory/in-memory-store.js';
import { manualClock } from './testing/brain-conformance/harness.js';
import { randomBankId } from './testing/store-factory.js';

const DAY = 86_400_000;

describe('purgeExpired under a minimum age', () => {
  it('reads from the store only the expired memories old enough to erase, not those the minimum age keeps', async () => {
    // Each purge read every kept memory again, round after round: a bank of 20,000 took half a second a call.
    const clock = manualClock();
    const store = new InMemoryStore();
    const rowsRead: number[] = [];
    const expired = store.expired.bind(store);
    store.expired = async (...args) => {
      const rows = await expired(...args);
      rowsRead.push(rows.length);
      return rows;
    };
    const governance = new Governance({
      forget: { minAgeDays: 30 },
      rules: [{ name: 'short', match: { tags: ['tmp'] }, action: 'expire', after: '1d' }],
    });
    const brain = await Astrocyte.create({ store, embedder: new LocalEmbedder(), governance, now: clock.now });
    try {
      const bankId = randomBankId();
      await brain.retain('Visitor badge for the March audit', { bankId, tags: ['tmp'] });
      clock.advance(29 * DAY);
      const young = ['Parking pass for Tuesday', 'Wifi code of the guest network', 'Room 4B booked at noon'];
      await brain.retainMany(
        young.map((content) => ({ content, tags: ['tmp'] })),
        { bankId },
      );
      clock.advance(2 * DAY);
      expect(await brain.purgeExpired()).toBe(1);
      expect(rowsRead).toEqual([1, 0]);
      rowsRead.length = 0;
      expect(await brain.purgeExpired()).toBe(0);
      expect(rowsRead).toEqual([0]);
      expect((await brain.list(bankId)).items.map((m) => m.text).sort()).toEqual([...young].sort());
    } finally {
      await brain.close();
    }
  });
});
