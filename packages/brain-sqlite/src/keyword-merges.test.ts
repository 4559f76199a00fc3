import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { axisVector, memoryRecord } from '@astrocyte/core/testing/records';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYWORD_TABLE_SQL } from './schema.js';
import { openSqliteStore, type SqliteMemoryStore } from './sqlite-memory-store.js';
import { StoreThread } from './store-thread.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-keyword-merges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each commit of the keyword index writes a segment of its own.
const COMMITS = 40;

/** How many segments the keyword index has. */
function segments(db: Database.Database): number {
  return db.prepare('SELECT count(DISTINCT segid) FROM memory_fts_idx').pluck().get() as number;
}

/** Whether FTS5 finds segments to merge (4 or more on a level), merging them if so (it then changes 2 rows or more). */
function mergeWorkLeft(db: Database.Database): boolean {
  const total = db.prepare('SELECT total_changes()').pluck();
  const before = total.get() as number;
  db.prepare("INSERT INTO memory_fts (memory_fts, rank) VALUES ('merge', 1000)").run();
  return (total.get() as number) - before >= 2;
}

async function fill(store: SqliteMemoryStore): Promise<void> {
  await store.ensureEmbedder({ name: 'test', dimensions: 8 });
  for (let i = 0; i < COMMITS; i++) {
    const record = memoryRecord('bank', `harbour lantern note ${i}`, {
      embedding: axisVector(8, i % 8),
      createdAt: new Date(),
    });
    await store.insert([record], { nearDuplicateThreshold: null });
  }
}

describe("merges of the keyword index's segments", () => {
  it("are left by the store's commits to its thread, which merges what FTS5 would; searches find all", async () => {
    // In memory, with no thread: the commits write their segments and merge none of them.
    const inMemory = await openSqliteStore({ path: ':memory:' });
    await fill(inMemory);
    expect(segments(inMemory.database)).toBeGreaterThan(6);
    expect(mergeWorkLeft(inMemory.database)).toBe(true);
    await inMemory.close();

    const path = join(dir, 'store.db');
    const store = await openSqliteStore({ path });
    await fill(store);
    const reader = new Database(path, { readonly: true });
    // The thread merges in steps milliseconds apart, and a level can still hold four segments once the count is at 6:
    // it is done when the count is at most 6 and has held still for half a second.
    let steady = 0;
    for (let waited = 0, last = -1; (last > 6 || steady < 500) && waited < 10_000; waited += 50) {
      const count = segments(reader);
      steady = count === last ? steady + 50 : 0;
      last = count;
      await sleep(50);
    }
    reader.close();
    expect(segments(store.database)).toBeLessThanOrEqual(6);
    expect(mergeWorkLeft(store.database)).toBe(false);
    const found = await store.keywordSearch(['bank'], ['harbour', 'lantern'], 100, { now: new Date() });
    expect(found).toHaveLength(COMMITS);
    await store.close();
  });

  it('wait while the store waits for the write lock, and go on by themselves once it has it', async () => {
    const path = join(dir, 'waiting.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(KEYWORD_TABLE_SQL);
    db.exec("INSERT INTO memory_fts (memory_fts, rank) VALUES ('automerge', 0)");
    const insert = db.prepare("INSERT INTO memory_fts (rowid, text, date, context) VALUES (?, ?, '', '')");
    for (let i = 1; i <= 12; i++) insert.run(i, `granite meadow ${i}`);
    const thread = new StoreThread(path, 1000, { keywordIndex: 'memory_fts' });
    try {
      thread.writerWaiting(true);
      thread.requestCheckpoint();
      await sleep(500);
      expect(segments(db)).toBe(12);
      thread.writerWaiting(false);
      for (let waited = 0; segments(db) > 3 && waited < 10_000; waited += 50) await sleep(50);
      expect(segments(db)).toBeLessThanOrEqual(3);
      expect(mergeWorkLeft(db)).toBe(false);
    } finally {
      await thread.close();
      db.close();
    }
  });
});
