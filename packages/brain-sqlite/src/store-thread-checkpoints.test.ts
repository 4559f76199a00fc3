import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { axisVector, memoryRecord } from '@astrocyte/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-memory-store.js';
import { StoreThread } from './store-thread.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkpoints of a store in a file', () => {
  it('copies small commits back into the database file soon after, while the store stays open', async () => {
    const path = join(dir, 'small-commits.db');
    const store = await openSqliteStore({ path });
    await store.ensureEmbedder({ name: 'test', dimensions: 8 });
    const before = statSync(path).size;
    // Twenty single inserts write far fewer than the 1,000 pages after which SQLite would checkpoint on its own.
    for (let i = 0; i < 20; i++)
      await store.insert(
        [memoryRecord('bank', `note ${i}`, { embedding: axisVector(8, i % 8), createdAt: new Date() })],
        {
          nearDuplicateThreshold: null,
        },
      );
    let size = statSync(path).size;
    for (let waited = 0; size === before && waited < 5000; waited += 50) {
      await sleep(50);
      size = statSync(path).size;
    }
    expect(size).toBeGreaterThan(before);
    await store.close();
  });

  it('keeps the WAL near its limit under a steady stream of commits, and loses none of them', async () => {
    const path = join(dir, 'steady-commits.db');
    const limit = 1024 * 1024;
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`journal_size_limit = ${limit}`);
    // As the store does on its commits: SQLite's own checkpoints off, the thread asked after each commit.
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const insert = db.prepare('INSERT INTO pages (body) VALUES (?)');
    const thread = new StoreThread(path, 1000, { walLimitBytes: limit });
    // 24 MB in commits of ten pages a millisecond apart, for about a second: a passive checkpoint alone never finds
    // the WAL all copied, so SQLite never starts it over and it grows by every commit.
    const commits = 600;
    let largest = 0;
    for (let i = 0; i < commits; i++) {
      db.transaction(() => {
        for (let p = 0; p < 10; p++) insert.run(Buffer.alloc(4000, i % 251));
      })();
      thread.requestCheckpoint();
      // The second half: the thread has long started.
      if (i >= commits / 2) largest = Math.max(largest, statSync(`${path}-wal`).size);
      await sleep(1);
    }
    expect(largest).toBeLessThan(8 * limit);
    expect(db.prepare('SELECT count(*) FROM pages').pluck().get()).toBe(commits * 10);
    await thread.close();
    db.close();
  });

  it('leaves reads to the store while it checkpoints, and reads again once done', async () => {
    const path = join(dir, 'reads-during-checkpoint.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const thread = new StoreThread(path, 1000);
    const last = { sql: 'SELECT max(id) AS n FROM pages', params: {} };
    try {
      while (!thread.read([last], 1)) await sleep(10);
      // 40 MB in the WAL: copying it back keeps the thread busy for tens of milliseconds.
      const insert = db.prepare('INSERT INTO pages (body) VALUES (?)');
      db.transaction(() => {
        for (let p = 0; p < 10_000; p++) insert.run(Buffer.alloc(4000, p % 251));
      })();
      thread.requestCheckpoint();
      // Asked every millisecond, without waiting for the answers, until the WAL has been copied back.
      const answers: Promise<unknown[]>[] = [];
      let refused = 0;
      let readAfter = false;
      const started = Date.now();
      while (Date.now() - started < 10_000 && !readAfter) {
        const reading = thread.read([last], 1);
        if (!reading) refused++;
        else {
          answers.push(reading);
          readAfter = refused > 0;
        }
        await sleep(1);
      }
      expect(refused).toBeGreaterThan(0);
      expect(readAfter).toBe(true);
      for (const rows of await Promise.all(answers)) expect(rows).toEqual([{ n: 10_000 }]);
    } finally {
      await thread.close();
      db.close();
    }
  });
});
