import type { Astrocyte } from '@astrocyte/core';
import { randomBankId } from '@astrocyte/core/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas } = await postgresTestFile();
const brains: Astrocyte[] = [];
afterEach(async () => {
  await Promise.all(brains.splice(0).map((b) => b.close()));
});

// Several brains, each with its own pool, over one schema: the closest a test gets to several processes.
async function brainsOnOneSchema(count: number): Promise<Astrocyte[]> {
  const schema = schemas.next();
  const first = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 4 });
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () =>
      createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 4 }),
    ),
  );
  brains.push(first, ...rest);
  return [first, ...rest];
}

describe.runIf(available)('postgres under concurrent writers', () => {
  it('stores exactly one memory when 32 retains of the same content race into one bank', async () => {
    const pool = await brainsOnOneSchema(4);
    const bankId = randomBankId();
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        (pool[i % pool.length] as Astrocyte).retain('The launch moved to the third of March', { bankId }),
      ),
    );
    const stored = results.filter((r) => r.stored);
    expect(stored).toHaveLength(1);
    const winner = stored[0]?.memoryId;
    for (const r of results.filter((r) => !r.stored))
      expect(r).toMatchObject({ deduplicated: true, duplicateOf: winner });
    expect(await pool[0]?.banks()).toEqual([{ bankId, memoryCount: 1 }]);
  });

  it('stores exactly one memory when 32 near-identical retains race (dedup by similarity, not hash)', async () => {
    const pool = await brainsOnOneSchema(4);
    const bankId = randomBankId();
    // Same words, different punctuation: distinct hashes, identical local embeddings.
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        (pool[i % pool.length] as Astrocyte).retain(`Rollout starts on Monday${'!'.repeat(i)}`, { bankId }),
      ),
    );
    expect(results.filter((r) => r.stored)).toHaveLength(1);
    expect((await pool[0]?.list(bankId))?.items).toHaveLength(1);
  });

  it('stores all 32 when 32 retains of distinct content race into one bank', async () => {
    const pool = await brainsOnOneSchema(4);
    const bankId = randomBankId();
    const topics = ['invoice', 'kayak', 'violin', 'tundra', 'sonnet', 'quasar', 'mortgage', 'falcon'];
    const results = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        (pool[i % pool.length] as Astrocyte).retain(
          `Fact ${i}: the ${topics[i % 8]} number ${i * 7919} belongs to ledger ${i}`,
          {
            bankId,
            metadata: { i },
          },
        ),
      ),
    );
    expect(results.every((r) => r.stored)).toBe(true);
    expect(new Set(results.map((r) => r.memoryId)).size).toBe(32);
    expect(await pool[0]?.banks()).toEqual([{ bankId, memoryCount: 32 }]);
  });

  it('answers recalls while a retainMany of 5,000 memories is being written', async () => {
    const [writer, reader] = await brainsOnOneSchema(2);
    const bankId = randomBankId();
    await writer?.retain('The office wifi password rotates every quarter', { bankId });
    const items = Array.from({ length: 5000 }, (_, i) => ({
      content: `Batch note ${i}: shipment ${i * 31} left dock ${i % 17}`,
    }));
    let writing = true;
    const batch = writer?.retainMany(items, { bankId }).finally(() => {
      writing = false;
    });
    let recalls = 0;
    let duringBatch = 0;
    const failures: unknown[] = [];
    // Recall until the batch commits; each must succeed and see the committed memory, never a half-written batch.
    while (writing || recalls < 3) {
      if (writing) duringBatch++;
      try {
        const { hits } = await (reader as Astrocyte).recall('wifi password', { bankId, maxResults: 5 });
        // Keyword search finds it exactly (GIN), so fusion keeps it in the top 5 whatever the HNSW graph returns.
        expect(hits.map((h) => h.text)).toContain('The office wifi password rotates every quarter');
        // One transaction: any snapshot holds the batch entirely or not at all.
        expect([1, 5001]).toContain((await (reader as Astrocyte).banks())[0]?.memoryCount);
      } catch (error) {
        failures.push(error);
        // One failure says it all; a loop that kept collecting them after the brains closed would never end.
        break;
      }
      recalls++;
    }
    const results = await batch;
    expect(failures).toEqual([]);
    expect(duringBatch).toBeGreaterThan(0);
    expect(results?.filter((r) => r.stored)).toHaveLength(5000);
    expect(await reader?.banks()).toEqual([{ bankId, memoryCount: 5001 }]);
    // The batch takes about 6 s on a quiet machine and four times that on a loaded one.
  }, 120_000);

  it('keeps banks apart when concurrent batches write several banks at once, on a pool the caller owns', async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 6 });
    const brain = await createPostgresBrain({ pool, schema: schemas.next() });
    const banks = [randomBankId(), randomBankId(), randomBankId()];
    await Promise.all(
      banks.flatMap((bankId) =>
        [0, 1].map(() =>
          brain.retainMany([{ content: 'Shared sentence in every bank' }, { content: `Only in ${bankId}` }], {
            bankId,
          }),
        ),
      ),
    );
    expect(await brain.banks()).toEqual(banks.sort().map((bankId) => ({ bankId, memoryCount: 2 })));
    await brain.close();
    // close() ends only a pool the store created: the caller's pool still answers.
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });
});
