import { expect, it } from 'vitest';
import { QuotaExceededError, ValidationError } from '../errors.js';
import type { InsertOptions, MemoryRecord, MemoryStore } from '../memory-store.js';
import { axisVector } from './memory-records.js';
import { randomBankId } from './store-factory.js';

/** Builds a record of the suite's dimension; the suite's own `record`. */
type RecordMaker = (bankId: string, text: string, overrides?: Partial<MemoryRecord>) => MemoryRecord;

const limited = (limits: Record<string, number>): InsertOptions => ({
  nearDuplicateThreshold: null,
  memoryLimits: new Map(Object.entries(limits)),
});

/**
 * The SPI's memory limits (InsertOptions.memoryLimits), which access control's `max_memories` relies on: counted
 * inside the insert's transaction, so that concurrent writers stop at the limit exactly, and all or nothing.
 */
export function describeMemoryLimitConformance(fresh: () => Promise<MemoryStore>, record: RecordMaker): void {
  const held = async (store: MemoryStore, bank: string) =>
    (await store.banks()).find((b) => b.bankId === bank)?.memoryCount ?? 0;
  // Everything a failed insert could have touched: the live rows with their tags, and their histories.
  const contents = async (store: MemoryStore, bank: string) => {
    const { items } = await store.list(bank, { limit: 100 });
    const histories = await Promise.all(items.map((m) => store.history(bank, m.id)));
    return JSON.stringify({ items, histories });
  };
  const refusal = async (insert: Promise<unknown>) => {
    const error = await insert.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(QuotaExceededError.isInstance(error)).toBe(true);
    return error as QuotaExceededError;
  };

  it('stores up to the limit exactly and refuses the insert that would pass it, storing none of its records', async () => {
    const store = await fresh();
    const bank = randomBankId();
    await store.insert([record(bank, 'One'), record(bank, 'Two')], limited({ [bank]: 3 }));
    const before = await contents(store, bank);
    const error = await refusal(store.insert([record(bank, 'Three'), record(bank, 'Four')], limited({ [bank]: 3 })));
    expect(error.code).toBe('quota_exceeded');
    expect(error.details).toMatchObject({ quota: 'max_memories', bank, limit: 3 });
    expect(await contents(store, bank)).toBe(before);

    const three = record(bank, 'Three');
    expect(await store.insert([three], limited({ [bank]: 3 }))).toEqual([{ status: 'stored', id: three.id }]);
    await refusal(store.insert([record(bank, 'Four')], limited({ [bank]: 3 })));
    expect(await held(store, bank)).toBe(3);
    // Erasing makes room.
    await store.erase(bank, [three.id], { action: 'forget', at: new Date() });
    expect((await store.insert([record(bank, 'Four')], limited({ [bank]: 3 })))[0]?.status).toBe('stored');
  });

  it('counts what is stored: duplicates add nothing, a correction replaces its memory', async () => {
    const store = await fresh();
    const bank = randomBankId();
    const first = record(bank, 'Ada prefers tea');
    // The batch's second record duplicates its first: one memory.
    const outcomes = await store.insert(
      [first, record(bank, 'Ada prefers tea', { tags: ['drink'] })],
      limited({ [bank]: 1 }),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
    // The bank is full; a duplicate still merges its tags, and a correction still replaces.
    const again = await store.insert([record(bank, 'Ada prefers tea', { tags: ['morning'] })], limited({ [bank]: 1 }));
    expect(again[0]).toMatchObject({ status: 'duplicate', duplicateOf: first.id, addedTags: ['morning'] });
    const correction = record(bank, 'Ada prefers green tea', { embedding: axisVector(8, 3), supersedes: first.id });
    expect((await store.insert([correction], limited({ [bank]: 1 })))[0]?.status).toBe('stored');
    expect((await store.list(bank, { limit: 10 })).items.map((m) => m.id)).toEqual([correction.id]);
  });

  it('a bank already past its limit takes duplicates and corrections, but no new memory', async () => {
    const store = await fresh();
    const bank = randomBankId();
    const [a, b, c] = [record(bank, 'A'), record(bank, 'B'), record(bank, 'C')];
    await store.insert([a, b, c], { nearDuplicateThreshold: null });
    const tight = limited({ [bank]: 2 });
    expect((await store.insert([record(bank, 'A', { tags: ['x'] })], tight))[0]?.status).toBe('duplicate');
    expect((await store.insert([record(bank, 'B, corrected', { supersedes: b.id })], tight))[0]?.status).toBe('stored');
    const before = await contents(store, bank);
    await refusal(store.insert([record(bank, 'C, corrected', { supersedes: c.id }), record(bank, 'D')], tight));
    expect(await contents(store, bank)).toBe(before);
  });

  it('refuses the whole insert: no tags merged, no memory replaced, nothing stored in any other bank', async () => {
    const store = await fresh();
    const [bank, other] = [randomBankId(), randomBankId()];
    const first = record(bank, 'The office opens at eight');
    await store.insert([first, record(other, 'Elsewhere')], { nearDuplicateThreshold: null });
    const before = [await contents(store, bank), await contents(store, other)];
    const batch = [
      record(bank, 'The office opens at eight', { tags: ['hours'] }),
      record(bank, 'The office opens at nine', { supersedes: first.id }),
      record(other, 'More elsewhere'),
      record(bank, 'The office closes at six'),
    ];
    const error = await refusal(store.insert(batch, limited({ [bank]: 1 })));
    expect(error.details).toMatchObject({ bank, limit: 1 });
    expect([await contents(store, bank), await contents(store, other)]).toEqual(before);
  });

  it("limits only the banks named: another bank's records are stored beside a limited one", async () => {
    const store = await fresh();
    const [bank, other, third] = [randomBankId(), randomBankId(), randomBankId()];
    const records = [record(bank, 'Here'), record(other, 'There 1'), record(other, 'There 2'), record(third, 'Third')];
    const outcomes = await store.insert(records, limited({ [bank]: 1, [third]: 1 }));
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'stored', 'stored']);
    // The limit of a bank with no records in the insert is not checked.
    expect((await store.insert([record(other, 'There 3')], limited({ [bank]: 0 })))[0]?.status).toBe('stored');
    const error = await refusal(
      store.insert([record(other, 'There 4'), record(third, 'Third 2')], limited({ [third]: 1 })),
    );
    expect(error.details).toMatchObject({ bank: third, limit: 1 });
    expect(await held(store, other)).toBe(3);
  });

  it('concurrent inserts under one limit store exactly the limit', async () => {
    const store = await fresh();
    const bank = randomBankId();
    const limit = 7;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.insert([record(bank, `Concurrent memory ${i}`)], limited({ [bank]: limit })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(limit);
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(refused.every((e) => QuotaExceededError.isInstance(e))).toBe(true);
    expect(refused).toHaveLength(20 - limit);
    expect(await held(store, bank)).toBe(limit);
  });

  it('refuses a limit that is not a whole number of at least 0, storing nothing', async () => {
    const store = await fresh();
    const bank = randomBankId();
    for (const limit of [-1, 1.5, Number.NaN]) {
      const error = await store.insert([record(bank, 'Anything')], limited({ [bank]: limit })).catch((e) => e);
      expect(ValidationError.isInstance(error)).toBe(true);
    }
    expect(await held(store, bank)).toBe(0);
  });
}
