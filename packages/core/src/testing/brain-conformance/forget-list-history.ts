import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../errors.js';
import { randomBankId, type StoreFactory } from '../store-factory.js';
import { brainHarness, expectFieldErrors, manualClock } from './harness.js';

/** Forget, list, history, banks and extractive reflect, through the Brain. */
export function describeForgetListHistory(factory: StoreFactory): void {
  describe('forget, list, history, reflect', () => {
    const makeBrain = brainHarness(factory);

    it('forgets by ids only within the bank', async () => {
      const brain = await makeBrain();
      const [a, b] = [randomBankId('a'), randomBankId('b')];
      const mine = await brain.retain('Carol uses vim', { bankId: a });
      const theirs = await brain.retain('Dan uses emacs', { bankId: b });
      expect(await brain.forget(a, { memoryIds: [theirs.memoryId as string] })).toEqual({
        deletedCount: 0,
        notFound: [theirs.memoryId],
      });
      expect((await brain.list(b)).items).toHaveLength(1);
      expect(await brain.forget(a, { memoryIds: [mine.memoryId as string, 'unknown-id'] })).toEqual({
        deletedCount: 1,
        notFound: ['unknown-id'],
      });
      expect((await brain.recall('vim', { bankId: a })).hits).toEqual([]);
    });

    it('forgets by tags, by age and all', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('Temp note one', { bankId, tags: ['temp'] });
      await brain.retain('Temp note two', { bankId, tags: ['temp', 'x'] });
      await brain.retain('Keeper note', { bankId, tags: ['keep'] });
      expect(await brain.forget(bankId, { tags: ['temp'] })).toEqual({ deletedCount: 2 });
      expect(await brain.forget(bankId, { before: new Date('2000-01-01') })).toEqual({ deletedCount: 0 });
      expect(await brain.forget(bankId, { before: new Date(Date.now() + 60_000) })).toEqual({ deletedCount: 1 });
      await brain.retain('A note about cats', { bankId });
      await brain.retain('A reminder about dogs', { bankId });
      expect(await brain.forget(bankId, { all: true })).toEqual({ deletedCount: 2 });
      expect((await brain.list(bankId)).items).toEqual([]);
    });

    it('restores the creation time a retainMany item or a turn gives, which time ranges, age and history read', async () => {
      const clock = manualClock(new Date('2026-03-01T12:00:00Z'));
      const brain = await makeBrain({ now: clock.now });
      const bankId = randomBankId();
      const restored = '2025-01-15T08:00:00.000Z';
      const [item] = await brain.retainMany([{ content: 'We chose Postgres for billing', createdAt: restored }], {
        bankId,
      });
      const [turn] = await brain.retainConversation(
        [{ speaker: 'ann', text: 'Billing goes live', createdAt: restored }],
        {
          bankId,
          sessionId: 's',
        },
      );
      await brain.retain('Billing launch retrospective', { bankId });
      const ids = [item?.memoryId, turn?.memoryId];
      expect((await brain.list(bankId)).items.map((m) => [m.id, m.createdAt.toISOString()])).toEqual(
        expect.arrayContaining(ids.map((id) => [id, restored])),
      );
      const january = await brain.recall('billing', { bankId, timeRange: { from: '2025-01-01', to: '2025-01-31' } });
      expect(january.hits.map((h) => h.memoryId).sort()).toEqual([...ids].sort());
      expect((await brain.history(bankId, item?.memoryId as string))[0]).toMatchObject({
        action: 'create',
        at: new Date(restored),
      });
      // The same item again, whatever creation time it gives, is the same memory.
      const [again] = await brain.retainMany([{ content: 'We chose Postgres for billing' }], { bankId });
      expect(again).toMatchObject({ stored: false, deduplicated: true, duplicateOf: item?.memoryId });
      expect(await brain.forget(bankId, { before: '2025-06-01' })).toEqual({ deletedCount: 2 });

      // Not a real date, or later than now: refused, and nothing of the call is stored.
      const before = (await brain.list(bankId)).items.length;
      await expectFieldErrors([
        [
          () =>
            brain.retainMany([{ content: 'Fine' }, { content: 'Later', createdAt: '2026-03-01T12:00:01Z' }], {
              bankId,
            }),
          'items[1].createdAt',
        ],
        [() => brain.retainMany([{ content: 'Odd', createdAt: '2025-02-30' }], { bankId }), 'items[0].createdAt'],
        [
          () => brain.retainConversation([{ speaker: 'ann', text: 'Hi', createdAt: 'yesterday' }], { bankId }),
          'turns[0].createdAt',
        ],
      ]);
      expect((await brain.list(bankId)).items.length).toBe(before);
    });

    it('pages through a bank with a cursor', async () => {
      const brain = await makeBrain({ dedup: { action: 'keep' } });
      const bankId = randomBankId();
      await brain.retainMany(
        Array.from({ length: 12 }, (_, i) => ({ content: `Fact number ${i}` })),
        { bankId },
      );
      const first = await brain.list(bankId, { limit: 5 });
      const second = await brain.list(bankId, { limit: 5, cursor: first.nextCursor as string });
      const third = await brain.list(bankId, { limit: 5, cursor: second.nextCursor as string });
      const ids = [...first.items, ...second.items, ...third.items].map((m) => m.id);
      expect(new Set(ids).size).toBe(12);
      expect(third.nextCursor).toBeNull();
      await expect(brain.list(bankId, { limit: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
    });

    it('keeps a history of create and forget, with the actor', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      const { memoryId } = await brain.retain('Eve joined the team', { bankId, context: { actor: 'agent-7' } });
      await brain.forget(bankId, { memoryIds: [memoryId as string], reason: 'user asked', context: { actor: 'eve' } });
      const history = await brain.history(bankId, memoryId as string);
      expect(history.map((v) => [v.action, v.actor])).toEqual([
        ['create', 'agent-7'],
        ['forget', 'eve'],
      ]);
      expect(history[1]?.reason).toBe('user asked');
      expect(history.every((v) => v.text === null)).toBe(true);
      const error = await brain.history(randomBankId(), memoryId as string).catch((e) => e);
      expect(NotFoundError.isInstance(error)).toBe(true);
    });

    it('lists banks with their counts', async () => {
      const brain = await makeBrain();
      const [a, b] = [randomBankId('a'), randomBankId('b')];
      await brain.retain('one', { bankId: a });
      await brain.retain('two', { bankId: a });
      await brain.retain('three', { bankId: b });
      const banks = await brain.banks();
      expect(banks).toContainEqual({ bankId: a, memoryCount: 2 });
      expect(banks).toContainEqual({ bankId: b, memoryCount: 1 });
    });

    it('reflects without an LLM by quoting the top memories, marked extractive', async () => {
      const brain = await makeBrain();
      const bankId = randomBankId();
      await brain.retain('Frank drinks oat milk', { bankId });
      await brain.retain('Frank runs marathons', { bankId });
      const result = await brain.reflect('What does Frank drink?', { bankId });
      expect(result.mode).toBe('extractive');
      expect(result.answer).toContain('Extractive');
      expect(result.answer).toContain('Frank drinks oat milk');
      expect(result.sources[0]?.text).toBe('Frank drinks oat milk');
      const empty = await brain.reflect('anything?', { bankId: randomBankId() });
      expect(empty.sources).toEqual([]);
      expect(empty.answer).toMatch(/nothing/i);
    });
  });
}
