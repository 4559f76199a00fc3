import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { MemoryRecord } from '@astrocyte/core/backend';
import { axisVector, memoryRecord } from '@astrocyte/core/testing/records';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteMemoryStore } from './sqlite-memory-store.js';
import { type ReadQuery, StoreThread } from './store-thread.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-store-thread-reads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EMBEDDER = { name: 'test-embedder', dimensions: 8 };
const FILTER = { now: new Date('2030-01-01T00:00:00Z') };
const WORDS = ['harbour', 'lantern', 'orchard', 'granite', 'meadow', 'copper', 'willow', 'ember'];

// A read by the store's thread: `read` answers null until the thread is ready.
async function readyRun(thread: StoreThread, queries: ReadQuery[], enough: number): Promise<unknown[]> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const reading = thread.read(queries, enough);
    if (reading) return reading;
    await sleep(10);
  }
  throw new Error("the store's thread never became ready");
}

async function openStore(path: string): Promise<SqliteMemoryStore> {
  const store = await openSqliteStore({ path });
  await store.ensureEmbedder(EMBEDDER);
  return store;
}

// Texts sharing words in varied numbers, so that bm25 orders them by more than one term.
function note(i: number): string {
  const words = WORDS.filter((_, w) => (i + w) % 3 === 0 || w === i % WORDS.length);
  return `Note ${i} about the ${words.join(' and the ')}`;
}

describe("the store's thread: reads", () => {
  it('reads what was committed, on its own connection, answering with the first query that returns enough', async () => {
    const path = join(dir, 'plain.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3)');
    const thread = new StoreThread(path, 1000);
    const above = (min: number) => ({ sql: 'SELECT x FROM t WHERE x > @min ORDER BY x', params: { min } });
    try {
      // The first call starts the thread and never waits for it.
      expect(thread.read([above(0)], 1)).toBeNull();
      expect(await readyRun(thread, [above(2), above(0)], 1)).toEqual([{ x: 3 }]);
      expect(await readyRun(thread, [above(5), above(1)], 1)).toEqual([{ x: 2 }, { x: 3 }]);
      expect(await readyRun(thread, [above(5), above(6)], 1)).toEqual([]);
      db.exec('INSERT INTO t VALUES (7)');
      expect(await readyRun(thread, [above(5)], 1)).toEqual([{ x: 7 }]);
      // An open transaction of the writer is not seen until it commits.
      db.exec('BEGIN; INSERT INTO t VALUES (8)');
      expect(await readyRun(thread, [above(5)], 1)).toEqual([{ x: 7 }]);
      db.exec('COMMIT');
      expect(await readyRun(thread, [above(5)], 1)).toEqual([{ x: 7 }, { x: 8 }]);
      // A query SQLite refuses fails with its code; the thread goes on answering.
      await expect(readyRun(thread, [{ sql: 'SELECT nope FROM t', params: {} }], 1)).rejects.toMatchObject({
        code: 'SQLITE_ERROR',
      });
      expect(await readyRun(thread, [above(7)], 1)).toEqual([{ x: 8 }]);
    } finally {
      await thread.close();
      db.close();
    }
  });
});

describe("a store's reads in its thread", () => {
  it("answers keyword searches as the store's own connection does, and sees every commit at once", async () => {
    const onFile = await openStore(join(dir, 'same.db'));
    const inMemory = await openStore(':memory:');
    const bank = 'notes';
    const stored: MemoryRecord[] = [];
    try {
      for (let round = 0; round < 24; round++) {
        // The same records (ids included) into both stores, and the same erasures.
        const batch = [0, 1, 2].map((k) =>
          memoryRecord(bank, note(round * 3 + k), {
            embedding: axisVector(EMBEDDER.dimensions, round + k),
            createdAt: new Date(Date.UTC(2026, 0, 1 + round, k)),
            tags: [`round-${round % 2}`],
          }),
        );
        for (const store of [onFile, inMemory]) await store.insert(batch, { nearDuplicateThreshold: null });
        stored.push(...batch);
        // The file store's first searches run on its own connection while its thread starts (about 50 ms).
        if (round === 1) await sleep(500);
        if (round % 4 === 3) {
          const gone = stored.splice(round % stored.length, 1).map((r) => r.id);
          const stamp = { action: 'forget' as const, at: new Date() };
          for (const store of [onFile, inMemory]) expect(await store.erase(bank, gone, stamp)).toEqual(gone);
        }
        const terms = [WORDS[round % WORDS.length] as string, WORDS[(round + 3) % WORDS.length] as string];
        for (const filter of [FILTER, { ...FILTER, tags: ['round-1'] }]) {
          const fromThread = await onFile.keywordSearch([bank], terms, 5, filter);
          expect(fromThread).toEqual(await inMemory.keywordSearch([bank], terms, 5, filter));
          if (filter === FILTER) expect(fromThread.length).toBeGreaterThan(0);
        }
        // The round's newest note is found as soon as its insert returned, and an erased one never again.
        const newest = batch[2] as MemoryRecord;
        const found = await onFile.keywordSearch([bank], ['note', String(round * 3 + 2)], 100, FILTER);
        expect(found.map((h) => h.id)).toContain(newest.id);
        expect(found.every((h) => stored.some((r) => r.id === h.id))).toBe(true);
      }
    } finally {
      await onFile.close();
      await inMemory.close();
    }
  });

  it("reads on the store's own connection when its thread cannot open the file", async () => {
    const path = join(dir, 'moved.db');
    const store = await openSqliteStore({ path });
    // The store keeps its open file; its thread, started by the first commit, finds none by the old name.
    renameSync(path, join(dir, 'moved-away.db'));
    try {
      await store.ensureEmbedder(EMBEDDER);
      const record = memoryRecord('notes', 'The harbour lantern is lit at dusk', {
        embedding: axisVector(EMBEDDER.dimensions, 1),
        createdAt: new Date('2026-01-01T00:00:00Z'),
      });
      await store.insert([record], { nearDuplicateThreshold: null });
      // While the thread starts, and for long after it has failed.
      for (let i = 0; i < 30; i++) {
        const hits = await store.keywordSearch(['notes'], ['lantern'], 5, FILTER);
        expect(hits.map((h) => h.id)).toEqual([record.id]);
        expect(await store.keywordSearch(['notes'], ['dusk', 'harbour'], 5, FILTER)).toHaveLength(1);
        await sleep(100);
      }
    } finally {
      await store.close();
    }
  });

  it('keeps a process alive until its read is answered or its thread stopped, and lets it exit without a close', async () => {
    const path = join(dir, 'process.db');
    const script = join(dir, 'search-and-leave.mts');
    const store = fileURLToPath(new URL('./sqlite-memory-store.ts', import.meta.url));
    const records = fileURLToPath(new URL('../../core/src/testing/memory-records.ts', import.meta.url));
    writeFileSync(
      script,
      `import { openSqliteStore } from ${JSON.stringify(store)};
       import { axisVector, memoryRecord } from ${JSON.stringify(records)};
       const record = memoryRecord('notes', 'The orchard gate is painted copper', {
         embedding: axisVector(${EMBEDDER.dimensions}, 2),
         createdAt: new Date(),
       });
       const writer = await openSqliteStore({ path: ${JSON.stringify(path)} });
       await writer.ensureEmbedder(${JSON.stringify(EMBEDDER)});
       await writer.insert([record], { nearDuplicateThreshold: null });
       await writer.close();
       // Closed while its thread starts (about 50 ms), and once it is ready but before the event loop has heard so
       // (this thread blocked meanwhile): as the only store open, each time the close holds the process for the thread.
       for (const blockMs of [0, 500]) {
         const early = await openSqliteStore({ path: ${JSON.stringify(path)} });
         await early.keywordSearch(['notes'], ['orchard'], 5, { now: new Date() });
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, blockMs);
         await early.close();
       }
       const store = await openSqliteStore({ path: ${JSON.stringify(path)} });
       // The first searches run on the store's connection while the thread starts; the later ones in the thread.
       let hits = [];
       for (let i = 0; i < 20; i++) {
         hits = await store.keywordSearch(['notes'], ['orchard'], 5, { now: new Date() });
         await new Promise((resolve) => setTimeout(resolve, 50));
       }
       console.log(JSON.stringify({ expected: record.id, found: hits.map((h) => h.id) }));`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@astrocyte/source', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // A thread left referenced would keep the child running until this test's timeout.
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { expected, found } = JSON.parse(stdout);
    expect(found).toEqual([expected]);
  }, 30_000);
});
