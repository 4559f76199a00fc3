import { LocalEmbedder } from '@astrocyte/core';
import type { MemoryRecord } from '@astrocyte/core/backend';
import { memoryRecord, randomBankId } from '@astrocyte/core/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, openStore } = await postgresTestFile();

const embedder = new LocalEmbedder({ dimensions: 64 });
const NOW = new Date('2026-06-01T12:00:00Z');

function record(bankId: string, text: string): MemoryRecord {
  return memoryRecord(bankId, text, { embedding: embedder.embedOne(text), createdAt: NOW });
}

// Cosine similarity computed here, independently of pgvector, to check the order the store returns.
function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe.runIf(available)('postgres vector search statement', () => {
  it('leaves no search setting behind on the pooled connection (safe behind PgBouncer)', async () => {
    // One connection: whatever the search sets is visible to the next statement if it leaks.
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const store = await openStore(embedder, { pool, hnsw: { efSearch: 77 } });
    const before = (await pool.query('SHOW hnsw.ef_search')).rows[0]?.['hnsw.ef_search'];
    const bank = randomBankId();
    await store.insert(
      ['Kettle descaling every Sunday', 'Bike tyres at 4 bar'].map((t) => record(bank, t)),
      { nearDuplicateThreshold: 0.95 },
    );
    const hits = await store.vectorSearch([bank], embedder.embedOne('kettle'), 5, { now: NOW });
    expect(hits).toHaveLength(2);
    const { rows } = await pool.query(
      `SELECT current_setting('hnsw.ef_search') AS ef, current_setting('hnsw.iterative_scan') AS iterative,
              current_setting('enable_sort') AS sort`,
    );
    expect(rows[0]).toEqual({ ef: before, iterative: 'off', sort: 'on' });
    await store.close();
    await pool.end();
  });

  it('returns the exact nearest memories of a small bank and the index order of a large one, best first', async () => {
    const store = await openStore(embedder);
    const small = randomBankId('small');
    const large = randomBankId('large');
    const topics = ['harbour', 'orchard', 'glacier', 'foundry', 'meadow', 'lantern', 'canyon', 'violin'];
    const text = (i: number) => `${topics[i % 8]} report ${i} with ${topics[(i * 3) % 8]} notes and code ${i * 7}`;
    const smallRows = Array.from({ length: 300 }, (_, i) => record(small, text(i)));
    const largeRows = Array.from({ length: 2100 }, (_, i) => record(large, text(i)));
    await store.insert([...smallRows, ...largeRows], { nearDuplicateThreshold: null });
    const query = embedder.embedOne('glacier report with lantern notes');

    const exact = smallRows
      .map((r) => ({ id: r.id, score: cosine(r.embedding, query) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    const fromSmall = await store.vectorSearch([small], query, 10, { now: NOW });
    expect(fromSmall.map((h) => h.id)).toEqual(exact.map((h) => h.id));
    for (const [i, hit] of fromSmall.entries()) expect(hit.score).toBeCloseTo((exact[i] as { score: number }).score, 5);

    // Asked twice: the second answer comes from the remembered bank size and must not differ.
    for (let round = 0; round < 2; round++) {
      const fromLarge = await store.vectorSearch([large], query, 10, { now: NOW });
      expect(fromLarge).toHaveLength(10);
      expect(fromLarge.every((h) => h.bankId === large)).toBe(true);
      const scores = fromLarge.map((h) => h.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      // Scores are full-precision cosines of the stored vectors, not the 16-bit copies the index walks.
      const byId = new Map(largeRows.map((r) => [r.id, r]));
      for (const hit of fromLarge)
        expect(hit.score).toBeCloseTo(cosine((byId.get(hit.id) as MemoryRecord).embedding, query), 5);
    }
    await store.close();
  });

  it('searches a bank that shrank below the exact-scan cutoff exactly again after erasure', async () => {
    const store = await openStore(embedder);
    const bank = randomBankId();
    const rows = Array.from({ length: 2050 }, (_, i) => record(bank, `Shelf ${i} holds box ${i * 13} of ${i % 17}`));
    await store.insert(rows, { nearDuplicateThreshold: null });
    const query = embedder.embedOne('shelf holds box 4');
    expect(await store.vectorSearch([bank], query, 5, { now: NOW })).toHaveLength(5);
    const kept = rows.slice(0, 30);
    await store.erase(
      bank,
      rows.slice(30).map((r) => r.id),
      { action: 'forget', at: NOW },
    );
    const exact = kept
      .map((r) => ({ id: r.id, score: cosine(r.embedding, query) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 30);
    expect((await store.vectorSearch([bank], query, 30, { now: NOW })).map((h) => h.id)).toEqual(
      exact.map((h) => h.id),
    );
    await store.close();
  });
});
