import { expect, it } from 'vitest';
import type { ChainMember, MemoryRecord, MemorySelector, MemoryStore } from '../memory-store.js';
import { axisVector } from './memory-records.js';
import { randomBankId } from './store-factory.js';

/** Builds a record of the suite's dimension; the suite's own `record`. */
type RecordMaker = (bankId: string, text: string, overrides?: Partial<MemoryRecord>) => MemoryRecord;

const NOW = new Date('2026-06-01T12:00:00Z');
const EARLIER = new Date('2026-05-01T12:00:00Z');

/**
 * The SPI's supersession chains, as the forget policy and forget rely on them: a superseded memory keeps the tags
 * it carried, `chains` finds it by id, tags, age or all and walks its chain both ways, and `erase` erases it.
 */
export function describeChainConformance(fresh: () => Promise<MemoryStore>, record: RecordMaker): void {
  // Three versions of one fact, each replacing the one before, each with its own tag and vector.
  async function threeVersions(store: MemoryStore) {
    const bank = randomBankId();
    const first = record(bank, 'Ada lives in Paris', {
      tags: ['paris'],
      createdAt: EARLIER,
      versions: [{ action: 'create', at: EARLIER }],
    });
    const second = record(bank, 'Ada lives in Lyon', {
      tags: ['lyon'],
      embedding: axisVector(8, 2),
      supersedes: first.id,
      versions: [{ action: 'create', at: NOW, actor: 'editor', reason: 'she moved' }],
    });
    const third = record(bank, 'Ada lives in Berlin', {
      tags: ['berlin'],
      embedding: axisVector(8, 4),
      supersedes: second.id,
    });
    for (const r of [first, second, third]) await store.insert([r], { nearDuplicateThreshold: null });
    return { bank, first, second, third };
  }
  const members = async (store: MemoryStore, bank: string, selector: MemorySelector) =>
    (await store.chains(bank, selector))
      .map((m): ChainMember => ({ ...m, tags: [...m.tags].sort() }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));

  it('keeps the tags a superseded memory carried and walks its chain both ways, live and superseded', async () => {
    const store = await fresh();
    const { bank, first, second, third } = await threeVersions(store);
    const chain = [
      { id: first.id, tags: ['paris'], createdAt: EARLIER, supersededBy: second.id, documentId: null },
      { id: second.id, tags: ['lyon'], createdAt: NOW, supersededBy: third.id, documentId: null },
      { id: third.id, tags: ['berlin'], createdAt: NOW, supersededBy: null, documentId: null },
    ];
    const selecting = (...ids: string[]) =>
      chain
        .map((m) => ({ ...m, selected: ids.includes(m.id) }))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
    expect(await members(store, bank, { ids: [first.id] })).toEqual(selecting(first.id));
    expect(await members(store, bank, { ids: [third.id] })).toEqual(selecting(third.id));
    expect(await members(store, bank, { tags: ['lyon'] })).toEqual(selecting(second.id));
    expect(await members(store, bank, { before: NOW })).toEqual(selecting(first.id));
    expect(await members(store, bank, { all: true })).toEqual(selecting(first.id, second.id, third.id));
    expect(await store.chains(randomBankId(), { ids: [first.id] })).toEqual([]);
    expect(await store.chains(bank, { ids: ['no-such-id'] })).toEqual([]);
    for (const selector of [{ expiredAt: NOW }, { documentIds: [first.id] }, {}])
      await expect(store.chains(bank, selector)).rejects.toMatchObject({
        code: 'invalid_input',
        details: { field: 'selector' },
      });
    // The supersede row says who replaced the memory and why: the new record's first version.
    expect((await store.history(bank, first.id)).at(-1)).toMatchObject({
      action: 'supersede',
      actor: 'editor',
      reason: 'she moved',
      relatedId: second.id,
      text: 'Ada lives in Paris',
    });
  });

  it('erases a superseded memory by id with what it replaced, leaving the versions that replaced it', async () => {
    const store = await fresh();
    const { bank, first, second, third } = await threeVersions(store);
    expect(await store.erase(bank, [second.id], { action: 'forget', at: NOW, reason: 'user request' })).toEqual([
      second.id,
    ]);
    for (const id of [first.id, second.id]) {
      expect((await store.history(bank, id)).every((v) => v.text === null)).toBe(true);
    }
    expect((await store.history(bank, second.id)).at(-1)).toMatchObject({ action: 'forget', reason: 'user request' });
    expect((await store.history(bank, third.id)).map((v) => v.text)).toEqual(['Ada lives in Berlin']);
    expect((await store.get(bank, [third.id])).map((m) => m.text)).toEqual(['Ada lives in Berlin']);
    // Erased memories leave the chains, their tags with them, and cannot be erased twice.
    expect((await store.chains(bank, { all: true })).map((m) => m.id)).toEqual([third.id]);
    expect(await store.chains(bank, { tags: ['paris'] })).toEqual([]);
    expect(await store.erase(bank, [first.id, second.id], { action: 'forget', at: NOW })).toEqual([]);
    expect(await store.erase(randomBankId(), [third.id], { action: 'forget', at: NOW })).toEqual([]);
  });

  it('erases a memory and one it replaced named together, and reports both', async () => {
    const store = await fresh();
    const { bank, first, second, third } = await threeVersions(store);
    const erased = await store.erase(bank, [third.id, first.id], { action: 'forget', at: NOW });
    expect(erased.sort()).toEqual([first.id, third.id].sort());
    for (const id of [first.id, second.id, third.id]) {
      expect((await store.history(bank, id)).every((v) => v.text === null)).toBe(true);
    }
    expect((await store.history(bank, first.id)).at(-1)?.action).toBe('forget');
    expect(await store.chains(bank, { all: true })).toEqual([]);
  });

  it('erase fails and erases nothing when a live memory named holds a hold tag, unless overridden', async () => {
    const store = await fresh();
    const bank = randomBankId();
    const held = record(bank, 'Contract terms with Acme', { tags: ['legal-hold'] });
    const free = record(bank, 'Lunch is at noon', { embedding: axisVector(8, 2) });
    await store.insert([held, free], { nearDuplicateThreshold: null });
    const stamp = { action: 'forget', at: NOW } as const;
    const holdTags = ['legal-hold'];
    await expect(store.erase(bank, [free.id, held.id], stamp, { holdTags })).rejects.toMatchObject({
      code: 'policy_violation',
      details: { memoryId: held.id, tag: 'legal-hold', placedSince: true },
    });
    expect((await store.list(bank, { limit: 10 })).items).toHaveLength(2);
    expect(await store.erase(bank, [free.id], stamp, { holdTags })).toEqual([free.id]);
    const overridden = await store.erase(bank, [held.id], stamp, { holdTags, overrideLegalHold: true });
    expect(overridden).toEqual([held.id]);
  });

  it('a record superseding a chunk replaces its whole document, and fails on a memory held or gone since', async () => {
    const store = await fresh();
    const bank = randomBankId();
    const head = record(bank, 'The lease, part one');
    const document = { documentId: head.id, episodeId: head.id };
    const chunks = [
      { ...head, ...document },
      record(bank, 'The lease, part two', { ...document, tags: ['legal-hold'], embedding: axisVector(8, 2) }),
      record(bank, 'The lease, part three', { ...document, embedding: axisVector(8, 3) }),
    ];
    await store.insert(chunks, { nearDuplicateThreshold: null });
    const live = async () => (await store.list(bank, { limit: 10 })).items.map((m) => m.id).sort();
    const options = { nearDuplicateThreshold: null, holdTags: ['legal-hold'] };
    const fix = record(bank, 'The lease ends in 2030', { supersedes: head.id, embedding: axisVector(8, 5) });
    await expect(store.insert([fix], options)).rejects.toMatchObject({
      code: 'policy_violation',
      details: { memoryId: head.id, heldMemoryId: chunks[1]?.id, tag: 'legal-hold' },
    });
    expect(await live()).toEqual(chunks.map((c) => c.id).sort());

    expect(await store.insert([fix], { ...options, overrideLegalHold: true })).toEqual([
      { status: 'stored', id: fix.id },
    ]);
    expect(await live()).toEqual([fix.id]);
    for (const chunk of chunks)
      expect((await store.history(bank, chunk.id)).at(-1)).toMatchObject({
        action: 'supersede',
        text: chunk.text,
        relatedId: chunk.id === head.id ? fix.id : head.id,
      });
    // Each superseded chunk names its document, so that forgetting any of them can forget all.
    expect((await members(store, bank, { ids: [chunks[2]?.id as string] })).map((m) => [m.id, m.documentId])).toEqual(
      expect.arrayContaining([...chunks.map((c) => [c.id, head.id]), [fix.id, null]]),
    );
    // Erasing the document's first chunk erases the rest of it.
    await store.erase(bank, [head.id], { action: 'forget', at: NOW });
    for (const chunk of chunks) expect((await store.history(bank, chunk.id)).every((v) => v.text === null)).toBe(true);

    // What it named is gone: a second correction of it stores nothing.
    const late = record(bank, 'The lease ends in 2029', { supersedes: head.id, embedding: axisVector(8, 6) });
    await expect(store.insert([late], options)).rejects.toMatchObject({
      code: 'not_found',
      details: { memoryId: head.id },
    });
    expect(await live()).toEqual([fix.id]);
  });
}
