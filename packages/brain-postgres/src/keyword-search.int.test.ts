import { LocalEmbedder, type MemoryRecord } from '@astrocyte/core';
import { memoryRecord, randomBankId } from '@astrocyte/core/testing';
import { describe, expect, it } from 'vitest';
import { postgresTestFile } from './testing-support/postgres-test-database.js';

const { available, openStore } = await postgresTestFile();

const embedder = new LocalEmbedder({ dimensions: 32 });
const NOW = new Date('2026-06-01T12:00:00Z');

function record(bankId: string, text: string): MemoryRecord {
  return memoryRecord(bankId, text, { embedding: embedder.embedOne(text), createdAt: NOW });
}

describe.runIf(available)('postgres keyword search over common words', () => {
  it('ranks memories matching every term first even when a term matches more memories than are ranked', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    // 1,500 memories share "invoice": more than the candidates ranked per term.
    const common = Array.from({ length: 1500 }, (_, i) => record(bank, `Invoice ${i} sent to client ${i % 40}`));
    const both = Array.from({ length: 3 }, (_, i) => record(bank, `Invoice ${i} disputed by the auditor Okonkwo`));
    const rare = record(bank, 'Okonkwo visited the warehouse');
    // The best matches are written last, so a scan that stopped at the first matches would never see them.
    await store.insert([...common, ...both, rare], { nearDuplicateThreshold: null });

    const hits = await store.keywordSearch([bank], ['invoice', 'okonkwo'], 10, { now: NOW });
    expect(hits).toHaveLength(10);
    expect(new Set(hits.slice(0, 3).map((h) => h.id))).toEqual(new Set(both.map((r) => r.id)));
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(hits[0]?.score).toBeGreaterThan(hits[3]?.score as number);
    // A term matched by few memories is ranked in full however many memories match the others: the one memory
    // with "warehouse" (two of three terms, not all) ties with the three that have "invoice" and "okonkwo".
    const rareHits = await store.keywordSearch([bank], ['okonkwo', 'warehouse', 'invoice'], 10, { now: NOW });
    expect(new Set(rareHits.slice(0, 4).map((h) => h.id))).toEqual(new Set([...both, rare].map((r) => r.id)));
    await store.close();
  });

  it('ranks every match of a bank small enough for an exact vector scan', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    const common = Array.from({ length: 1500 }, (_, i) => record(bank, `Invoice ${i} sent to client ${i % 40}`));
    // Written last, beyond the first matches a bounded search of a large bank would rank.
    const best = record(bank, 'Invoice, invoice and yet another invoice overdue');
    await store.insert([...common, best], { nearDuplicateThreshold: null });
    // A recall searches by vector and keyword together; the vector search learns the bank's size.
    await store.vectorSearch([bank], embedder.embedOne('invoice'), 10, { now: NOW });
    const hits = await store.keywordSearch([bank], ['invoice'], 10, { now: NOW });
    expect(hits[0]?.id).toBe(best.id);
    await store.close();
  });
});
