import { LocalEmbedder } from '@astrocyte/core';
import type { MemoryRecord } from '@astrocyte/core/backend';
import { memoryRecord, randomBankId } from '@astrocyte/core/testing';
import { describe, expect, it } from 'vitest';
import { postgresTestFile } from './testing-support/postgres-test-database.js';

const { available, admin, openStore } = await postgresTestFile();

const embedder = new LocalEmbedder({ dimensions: 64 });
const NOW = new Date('2026-06-01T12:00:00Z');

function record(bankId: string, text: string): MemoryRecord {
  return memoryRecord(bankId, text, { embedding: embedder.embedOne(text), createdAt: NOW });
}

const ledger = (bank: string, i: number) =>
  record(bank, `Ledger ${i} closes with balance ${i * 97} in ${['May', 'June', 'July'][i % 3]}`);

describe.runIf(available)('postgres batched inserts', () => {
  it('finds near duplicates inside one large batch, across its chunks, and against live rows of a large bank', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    const other = randomBankId();
    // Past the exact-scan cutoff (2,000), so live rows are looked up through the HNSW index.
    const live = Array.from({ length: 2100 }, (_, i) => ledger(bank, i));
    expect((await store.insert(live, { nearDuplicateThreshold: null })).every((o) => o.status === 'stored')).toBe(true);

    const batch = Array.from({ length: 300 }, (_, i) => record(bank, `Fresh entry ${i} about parcel ${i * 31}`));
    const early = batch[3] as MemoryRecord;
    const firstChunk = batch[10] as MemoryRecord;
    const target = live[1500] as MemoryRecord;
    // Same words, other punctuation: another hash, the same local embedding.
    batch[5] = record(bank, `${early.text}!`); // same chunk as its original (compared in memory)
    batch[250] = record(bank, `${firstChunk.text}?`); // two chunks later (its original is in the table by then)
    batch[260] = record(bank, `${target.text}!!`); // a live memory of the bank
    batch[270] = record(other, `${target.text}!!`); // the same text in another bank is no duplicate
    const outcomes = await store.insert(batch, { nearDuplicateThreshold: 0.95 });

    expect(outcomes[5]).toMatchObject({ status: 'duplicate', duplicateOf: early.id, match: 'near' });
    expect(outcomes[250]).toMatchObject({ status: 'duplicate', duplicateOf: firstChunk.id, match: 'near' });
    expect(outcomes[260]).toMatchObject({ status: 'duplicate', duplicateOf: target.id, match: 'near' });
    expect(outcomes[270]).toEqual({ status: 'stored', id: (batch[270] as MemoryRecord).id });
    expect(outcomes.filter((o) => o.status === 'stored')).toHaveLength(297);
    expect(await store.banks()).toEqual(
      [
        { bankId: bank, memoryCount: 2100 + 296 },
        { bankId: other, memoryCount: 1 },
      ].sort((a, b) => a.bankId.localeCompare(b.bankId)),
    );
    await store.close();
  });

  it('refreshes planner statistics after a large batch instead of waiting for autovacuum', async () => {
    const store = await openStore(embedder);
    const table = `"${store.schema}".memories`;
    const reltuples = async () =>
      Number((await admin.query(`SELECT reltuples FROM pg_class WHERE oid = $1::regclass`, [table])).rows[0].reltuples);
    const bank = randomBankId();
    await store.insert([ledger(bank, 0)], { nearDuplicateThreshold: null });
    // Never analyzed: Postgres reports -1 and the planner guesses.
    expect(await reltuples()).toBe(-1);
    await store.insert(
      Array.from({ length: 600 }, (_, i) => ledger(bank, i + 1)),
      { nearDuplicateThreshold: null },
    );
    expect(await reltuples()).toBe(601);
    await store.close();
  });
});
