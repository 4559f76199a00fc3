import { type AstrocyteError, EmbedderMismatchError } from '@astrocyte/core';
import type { EmbedderInfo } from '@astrocyte/core/backend';
import { axisVector, memoryRecord, randomBankId } from '@astrocyte/core/testing';
import { describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresMemoryStore } from './postgres-memory-store.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, admin, openStore } = await postgresTestFile();

const OLD = { name: 'axes-8', dimensions: 8 };
const NOW = new Date('2026-03-01T00:00:00Z');

// A store of the old embedder holding `n` memories of one bank, memory i on axis i.
async function filled(n: number): Promise<{ store: PostgresMemoryStore; bank: string; ids: string[] }> {
  const store = await openStore(OLD);
  const bank = randomBankId();
  const records = Array.from({ length: n }, (_, i) =>
    memoryRecord(bank, `memory ${i}`, { embedding: axisVector(OLD.dimensions, i), createdAt: NOW }),
  );
  await store.insert(records, { nearDuplicateThreshold: null });
  return { store, bank, ids: records.map((r) => r.id) };
}

// Re-embeds the store to `target`, memory i (by insertion order) on axis i of the new space.
async function reembed(store: PostgresMemoryStore, ids: string[], target: EmbedderInfo): Promise<void> {
  const vector = (id: string) => axisVector(target.dimensions, ids.indexOf(id));
  await store.reembedding.begin(target);
  const { items } = await store.reembedding.pending(null, 1000);
  await store.reembedding.stage(
    target,
    items.map((item) => ({ ...item, embedding: vector(item.id) })),
  );
  await store.reembedding.switchTo(target, async (missing) => missing.map((item) => vector(item.id)));
}

async function column(store: PostgresMemoryStore): Promise<{ type: string; notNull: boolean; index: string }> {
  const table = `"${store.schema}".memories`;
  const { rows } = await admin.query(
    `SELECT format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
            (SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = $1::regclass
              AND pg_get_indexdef(i.indexrelid) LIKE '%hnsw%') AS index
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'embedding' AND NOT a.attisdropped`,
    [table],
  );
  return rows[0];
}

describe.runIf(available)('re-embedding on Postgres', () => {
  it('replaces the embedding column and its HNSW index with ones of the new dimension', async () => {
    const { store, bank, ids } = await filled(6);
    const target = { name: 'axes-24', dimensions: 24 };
    await reembed(store, ids, target);
    expect(await column(store)).toMatchObject({ type: 'vector(24)', notNull: true });
    expect((await column(store)).index).toMatch(/USING hnsw \(\(\(embedding\)::halfvec\(24\)\) halfvec_cosine_ops\)/);
    const counts = await admin.query(
      `SELECT (SELECT count(*) FROM "${store.schema}".reembed_vectors) AS staged,
              (SELECT value FROM "${store.schema}".meta WHERE key = 'embedder') AS embedder,
              (SELECT count(*) FROM "${store.schema}".meta WHERE key = 'reembed_target') AS targets`,
    );
    expect(counts.rows[0]).toEqual({
      staged: '0',
      embedder: { ...target, columnType: 'vector', index: 'halfvec' },
      targets: '0',
    });
    for (const [i, id] of ids.entries()) {
      const [hit] = await store.vectorSearch([bank], axisVector(24, i), 1, { now: NOW });
      expect(hit).toMatchObject({ id });
      expect(hit?.score).toBeCloseTo(1, 5);
    }
    await store.close();
    // A new process opening the schema with the new embedder reads its column type from the record.
    const reopened = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: store.schema });
    await reopened.ensureEmbedder(target);
    const copy = memoryRecord(bank, 'Memory 2.', { embedding: axisVector(24, 2), createdAt: NOW });
    const [outcome] = await reopened.insert([copy], { nearDuplicateThreshold: 0.99 });
    expect(outcome).toMatchObject({ status: 'duplicate', duplicateOf: ids[2], match: 'near' });
    await reopened.close();
  });

  it('moves to halfvec above 2,000 dimensions', async () => {
    const { store, bank, ids } = await filled(3);
    const target = { name: 'wide', dimensions: 2048 };
    await reembed(store, ids, target);
    expect(await column(store)).toMatchObject({ type: 'halfvec(2048)', notNull: true });
    const [hit] = await store.vectorSearch([bank], axisVector(2048, 1), 1, { now: NOW });
    expect(hit).toMatchObject({ id: ids[1] });
    await store.close();
  });

  it('makes a store still on the old model refuse to write or search, whatever the dimensions', async () => {
    for (const target of [
      { name: 'axes-8-other-model', dimensions: 8 },
      { name: 'axes-12', dimensions: 12 },
    ]) {
      const { store: switcher, bank, ids } = await filled(3);
      const stale = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema: switcher.schema });
      await stale.ensureEmbedder(OLD);
      await reembed(switcher, ids, target);
      const late = memoryRecord(bank, 'written with the old model', { embedding: axisVector(8, 5), createdAt: NOW });
      const write = await stale.insert([late], { nearDuplicateThreshold: 0.95 }).catch((e: unknown) => e);
      expect(EmbedderMismatchError.isInstance(write), String(write)).toBe(true);
      expect((write as AstrocyteError).details).toEqual({ stored: target, configured: OLD });
      const search = await stale.vectorSearch([bank], axisVector(8, 1), 3, { now: NOW }).catch((e: unknown) => e);
      expect(EmbedderMismatchError.isInstance(search), String(search)).toBe(true);
      await stale.close();
      await switcher.close();
    }
  });

  it('holds an insert back while a switch is under way, then refuses its vectors of the old model', async () => {
    const { store, bank } = await filled(2);
    const meta = `"${store.schema}".meta`;
    const client = await admin.connect();
    try {
      // What the switch does first: the embedder's row for update; then, as its commit would, a new embedder.
      await client.query('BEGIN');
      await client.query(`SELECT 1 FROM ${meta} WHERE key = 'embedder' FOR UPDATE`);
      await client.query(`UPDATE ${meta} SET value = $1 WHERE key = 'embedder'`, [
        JSON.stringify({ name: 'switched', dimensions: 8, columnType: 'vector', index: 'halfvec' }),
      ]);
      const late = memoryRecord(bank, 'embedded before the switch', { embedding: axisVector(8, 3), createdAt: NOW });
      const insert = store.insert([late], { nearDuplicateThreshold: 0.95 }).catch((e: unknown) => e);
      // The insert waits on the row lock, holding no bank lock meanwhile.
      let waiting: number | undefined;
      while (waiting === undefined) {
        const { rows } = await admin.query(
          `SELECT pid FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%FOR SHARE%' AND query LIKE '%' || $1 || '%'`,
          [store.schema],
        );
        waiting = rows[0]?.pid;
      }
      const { rows: advisory } = await admin.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE pid = $1 AND locktype = 'advisory'`,
        [waiting],
      );
      expect(advisory[0]?.n).toBe(0);
      await client.query('COMMIT');
      const error = await insert;
      expect(EmbedderMismatchError.isInstance(error), String(error)).toBe(true);
      expect((error as AstrocyteError).details).toEqual({
        stored: { name: 'switched', dimensions: 8 },
        configured: OLD,
      });
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
    await store.close();
  });
});
