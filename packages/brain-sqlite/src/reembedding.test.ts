import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AstrocyteError, EmbedderMismatchError } from '@astrocyte/core';
import { axisVector, memoryRecord, storesPerTest } from '@astrocyte/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { MIN_CANDIDATES } from './candidate-index/candidate-index.js';
import { openSqliteStore, type SqliteMemoryStore } from './sqlite-memory-store.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-reembedding-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OLD = { name: 'axes-8', dimensions: 8 };
const NEW = { name: 'axes-24', dimensions: 24 };
const NOW = new Date('2026-03-01T00:00:00Z');
const open = storesPerTest((path: string) => openSqliteStore({ path }));

function count(store: SqliteMemoryStore, sql: string): unknown {
  return store.database.prepare(sql).pluck().get();
}

// A store of the old embedder holding `n` memories of one bank, memory i on axis i of each space.
async function filled(n: number): Promise<{ store: SqliteMemoryStore; path: string; ids: string[] }> {
  const path = join(dir, `${randomUUID()}.db`);
  const store = await open(path);
  await store.ensureEmbedder(OLD);
  const records = Array.from({ length: n }, (_, i) =>
    memoryRecord('b', `memory ${i}`, { embedding: axisVector(OLD.dimensions, i, i / n), createdAt: NOW }),
  );
  await store.insert(records, { nearDuplicateThreshold: null });
  return { store, path, ids: records.map((r) => r.id) };
}

// The new vector of memory i: on axis i of the new space, so each memory is its own nearest.
function newVector(i: number): Float32Array {
  return axisVector(NEW.dimensions, i, 0.01);
}

async function reembed(store: SqliteMemoryStore, ids: string[]): Promise<void> {
  const index = new Map(ids.map((id, i) => [id, i]));
  const vector = (id: string) => newVector(index.get(id) as number);
  await store.reembedding.begin(NEW);
  for (let cursor: string | null = null; ; ) {
    const page = await store.reembedding.pending(cursor, 7);
    await store.reembedding.stage(
      NEW,
      page.items.map((item) => ({ ...item, embedding: vector(item.id) })),
    );
    cursor = page.cursor;
    if (cursor === null) break;
  }
  await store.reembedding.switchTo(NEW, async (items) => items.map((item) => vector(item.id)));
}

describe('re-embedding on SQLite', () => {
  it('replaces every stored vector and rebuilds the sketches for the new dimension', async () => {
    const { store, ids } = await filled(20);
    await reembed(store, ids);
    expect(count(store, 'SELECT count(*) FROM memory_embeddings')).toBe(20);
    expect(count(store, 'SELECT count(*) FROM memory_embeddings WHERE length(embedding) = 24 * 4')).toBe(20);
    expect(count(store, 'SELECT count(*) FROM memory_sketches')).toBe(20);
    expect(count(store, 'SELECT count(*) FROM memory_sketches WHERE length(code) = 24')).toBe(20);
    expect(count(store, 'SELECT count(*) FROM memory_reembed')).toBe(0);
    expect(count(store, "SELECT value FROM astrocyte_meta WHERE key = 'embedder'")).toBe(JSON.stringify(NEW));
    expect(count(store, "SELECT count(*) FROM astrocyte_meta WHERE key = 'reembed_target'")).toBe(0);
    for (const [i, id] of ids.entries()) {
      const [hit] = await store.vectorSearch(['b'], newVector(i), 1, { now: NOW });
      expect(hit).toMatchObject({ id });
      expect(hit?.score).toBeCloseTo(1, 5);
    }
    // The near-duplicate check reads the new sketches and vectors.
    const copy = memoryRecord('b', 'Memory 3.', { embedding: newVector(3), createdAt: NOW });
    const [outcome] = await store.insert([copy], { nearDuplicateThreshold: 0.99 });
    expect(outcome).toMatchObject({ status: 'duplicate', duplicateOf: ids[3], match: 'near' });
  });

  it('searches the candidate index of a bank larger than an exact scan after the switch', async () => {
    const n = MIN_CANDIDATES + 200;
    const { store, ids } = await filled(n);
    // Load the bank's index with the old dimension first: the switch must drop it.
    await store.vectorSearch(['b'], axisVector(OLD.dimensions, 1), 1, { now: NOW });
    await reembed(store, ids);
    const [hit] = await store.vectorSearch(['b'], newVector(5), 1, { now: NOW });
    expect(hit).toMatchObject({ id: ids[5] });
  });

  it('erases a staged vector with its memory', async () => {
    const { store, ids } = await filled(4);
    await store.reembedding.begin(NEW);
    const { items } = await store.reembedding.pending(null, 10);
    await store.reembedding.stage(
      NEW,
      items.map((item, i) => ({ ...item, embedding: newVector(i) })),
    );
    expect(count(store, 'SELECT count(*) FROM memory_reembed')).toBe(4);
    await store.erase('b', [ids[0] as string], { action: 'forget', at: NOW });
    expect(count(store, 'SELECT count(*) FROM memory_reembed')).toBe(3);
    expect((await store.reembedding.state()).staged).toBe(3);
  });

  it('makes another connection that still has the old embedder refuse to write or search', async () => {
    const { store: stale, path, ids } = await filled(5);
    const switcher = await open(path);
    await switcher.ensureEmbedder(OLD);
    await reembed(switcher, ids);
    const late = memoryRecord('b', 'written with the old model', { embedding: axisVector(8, 2), createdAt: NOW });
    const write = await stale.insert([late], { nearDuplicateThreshold: 0.95 }).catch((e: unknown) => e);
    expect(EmbedderMismatchError.isInstance(write)).toBe(true);
    expect((write as AstrocyteError).details).toEqual({ stored: NEW, configured: OLD });
    const search = await stale.vectorSearch(['b'], axisVector(8, 2), 3, { now: NOW }).catch((e: unknown) => e);
    expect(EmbedderMismatchError.isInstance(search)).toBe(true);
    expect(count(switcher, "SELECT count(*) FROM memories WHERE text = 'written with the old model'")).toBe(0);
    // The connection that switched goes on with the new model.
    const [hit] = await switcher.vectorSearch(['b'], newVector(2), 1, { now: NOW });
    expect(hit).toMatchObject({ id: ids[2] });
  });

  it('refuses vectors of an embedder other than the recorded one, inside the write', async () => {
    const { store } = await filled(1);
    const record = memoryRecord('b', 'from another model', { embedding: axisVector(8, 0), createdAt: NOW });
    const error = await store
      .insert([record], { nearDuplicateThreshold: null, embedder: { name: 'other-8', dimensions: 8 } })
      .catch((e: unknown) => e);
    expect(EmbedderMismatchError.isInstance(error)).toBe(true);
    expect(count(store, 'SELECT count(*) FROM memories')).toBe(1);
  });
});
