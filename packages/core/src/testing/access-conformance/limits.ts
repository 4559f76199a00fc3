import { describe, expect, it } from 'vitest';
import { QuotaExceededError, RateLimitedError } from '../../errors.js';
import { manualClock } from '../brain-conformance/harness.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { accessHarness, failure, storeContents } from './access-harness.js';

const ALICE = 'user:alice';
const context = { principal: ALICE };
const ALICE_WRITES = { principal: ALICE, banks: 'alice-*', permissions: ['read' as const, 'write' as const] };

/** Quotas (memories per bank, bytes per day) and rate limits (operations per minute), counted in the store. */
export function describeLimits(factory: StoreFactory): void {
  describe('quotas and rate limits', () => {
    const makeBrain = accessHarness(factory);

    it('a quota of 100 memories stops the 101st but not a duplicate, and a batch that would pass it stores nothing', async () => {
      // Near duplicates kept: the numbered items read alike.
      const brain = await makeBrain(
        {
          grants: [{ ...ALICE_WRITES, permissions: ['read', 'write', 'forget'] }],
          quotas: [{ banks: 'alice-*', maxMemories: 100 }],
        },
        { dedup: { action: 'keep' } },
      );
      const bankId = randomBankId('alice');
      const items = Array.from({ length: 98 }, (_, i) => ({ content: `Inventory item number ${i}` }));
      expect((await brain.retainMany(items, { bankId, context })).every((result) => result.stored)).toBe(true);
      const before = await storeContents(brain, [bankId]);
      const batch = [{ content: 'Crate A' }, { content: 'Crate B' }, { content: 'Crate C' }];
      const refused = await failure(brain.retainMany(batch, { bankId, context }));
      expect(QuotaExceededError.isInstance(refused)).toBe(true);
      expect(refused.details).toMatchObject({ quota: 'max_memories', bank: bankId, limit: 100 });
      expect(await storeContents(brain, [bankId])).toBe(before);

      const last = await brain.retainMany([{ content: 'Crate A' }, { content: 'Crate B' }], { bankId, context });
      expect(last.every((result) => result.stored)).toBe(true);
      const hundredFirst = await failure(brain.retain('Crate C', { bankId, context }));
      expect(QuotaExceededError.isInstance(hundredFirst)).toBe(true);
      expect((await brain.banks({ context }))[0]?.memoryCount).toBe(100);
      // A duplicate stores nothing, so a full bank still takes it (and the tags it brings).
      const again = await brain.retain('Crate A', { bankId, context, tags: ['crates'] });
      expect(again).toMatchObject({ stored: false, deduplicated: true, mergedTags: ['crates'] });
      // Forgetting makes room again; another bank has its own count.
      await brain.forget(bankId, { memoryIds: [last[0]?.memoryId as string], context });
      expect((await brain.retain('Crate C', { bankId, context })).stored).toBe(true);
      expect((await brain.retain('Crate C', { bankId: randomBankId('alice'), context })).stored).toBe(true);
    });

    it('a bytes-per-day quota refuses what would pass it until the next UTC day, and gives back a refused reservation', async () => {
      const clock = manualClock(new Date('2026-06-01T18:00:00Z'));
      const brain = await makeBrain(
        { grants: [ALICE_WRITES], quotas: [{ banks: 'alice-*', maxBytesPerDay: 100 }] },
        { now: clock.now },
      );
      const bankId = randomBankId('alice');
      expect((await brain.retain('x'.repeat(60), { bankId, context })).stored).toBe(true);
      const before = await storeContents(brain, [bankId]);
      const refused = await failure(brain.retain('y'.repeat(50), { bankId, context }));
      expect(QuotaExceededError.isInstance(refused)).toBe(true);
      expect(refused.details).toMatchObject({ quota: 'max_bytes_per_day', bank: bankId, limit: 100 });
      expect((refused as QuotaExceededError).retryAfter).toBe(6 * 3600);
      expect(await storeContents(brain, [bankId])).toBe(before);
      // Bytes are UTF-8: 20 two-byte letters are 40 bytes, which still fit beside the 60 stored.
      expect((await brain.retain('é'.repeat(20), { bankId, context })).stored).toBe(true);
      expect(QuotaExceededError.isInstance(await failure(brain.retain('z', { bankId, context })))).toBe(true);
      clock.advance(6 * 3600 * 1000);
      expect((await brain.retain('y'.repeat(50), { bankId, context })).stored).toBe(true);
    });

    it('a rate limit of N per minute refuses the N+1th operation of a principal with retryAfter, until the next minute', async () => {
      const clock = manualClock(new Date('2026-06-01T12:00:15Z'));
      const brain = await makeBrain(
        {
          grants: [ALICE_WRITES, { principal: 'user:bob', banks: '*', permissions: ['read'] }],
          rateLimits: [{ principal: 'user:*', operationsPerMinute: 3 }],
        },
        { now: clock.now },
      );
      const bankId = randomBankId('alice');
      await brain.retain('The office opens at eight', { bankId, context });
      await brain.recall('office', { bankId, context });
      await brain.list(bankId, { context });
      const before = await storeContents(brain, [bankId]);
      const refused = await failure(brain.retain('The office closes at six', { bankId, context }));
      expect(RateLimitedError.isInstance(refused)).toBe(true);
      expect((refused as RateLimitedError).retryAfter).toBe(45);
      expect(refused.details).toMatchObject({ principal: ALICE, limit: 3, retryAfter: 45 });
      expect(await storeContents(brain, [bankId])).toBe(before);
      // Each principal has its own count.
      expect((await brain.recall('office', { bankId, context: { principal: 'bob' } })).hits).toHaveLength(1);
      clock.advance(45_000);
      expect((await brain.recall('office', { bankId, context })).hits).toHaveLength(1);
    });

    it('a rate limit on banks counts each bank on its own', async () => {
      const clock = manualClock(new Date('2026-06-01T12:00:59.500Z'));
      const brain = await makeBrain(
        { grants: [ALICE_WRITES], rateLimits: [{ banks: 'alice-*', operationsPerMinute: 2 }] },
        { now: clock.now },
      );
      const [first, second] = [randomBankId('alice'), randomBankId('alice')];
      await brain.recall('anything', { bankId: first, context });
      await brain.recall('anything', { bankId: first, context });
      const refused = await failure(brain.recall('anything', { bankIds: [second, first], context }));
      expect(RateLimitedError.isInstance(refused)).toBe(true);
      expect(refused.details).toMatchObject({ bank: first, limit: 2 });
      // Half a second before the minute ends: at least one whole second.
      expect((refused as RateLimitedError).retryAfter).toBe(1);
      // The refused call counted on `second` too: one more is allowed there, then it is full.
      await brain.recall('anything', { bankId: second, context });
      expect(RateLimitedError.isInstance(await failure(brain.recall('x', { bankId: second, context })))).toBe(true);
    });

    it('quota refusals and rate limits are audited', async () => {
      const admin = 'service:ops';
      // Inside one minute of the rate limit's window: on the wall clock, the three calls could straddle two.
      const clock = manualClock(new Date('2026-06-01T12:00:15Z'));
      const brain = await makeBrain(
        {
          grants: [ALICE_WRITES, { principal: admin, banks: '*', permissions: ['admin'] }],
          quotas: [{ banks: 'alice-*', maxMemories: 1 }],
          rateLimits: [{ principal: ALICE, banks: 'alice-*', operationsPerMinute: 2 }],
        },
        { now: clock.now },
      );
      const bankId = randomBankId('alice');
      await brain.retain('The only memory allowed', { bankId, context });
      clock.advance(1000);
      await failure(brain.retain('One too many', { bankId, context }));
      clock.advance(1000);
      await failure(brain.recall('memory', { bankId, context }));
      const { items } = await brain.audit({ context: { principal: admin } });
      expect(items.map(({ action, bankId: bank, outcome, details }) => ({ action, bank, outcome, details }))).toEqual([
        {
          action: 'recall',
          bank: bankId,
          outcome: 'rate_limited',
          details: { limit: 2, retryAfter: expect.any(Number) },
        },
        { action: 'retain', bank: bankId, outcome: 'quota_exceeded', details: { quota: 'max_memories', limit: 1 } },
      ]);
    });
  });
}
