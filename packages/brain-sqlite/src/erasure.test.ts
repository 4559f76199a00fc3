import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Astrocyte } from '@astrocyte/core';
import { describeErasureConformance } from '@astrocyte/core/testing';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';
import { openSqliteStore } from './sqlite-memory-store.js';

// What SQLite really holds: the bytes of the database file and its WAL, and the FTS5 index read through fts5vocab
// (its terms are stored prefix-compressed, so the file's bytes alone would not show them).

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-erasure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const nextPath = () => join(dir, `erasure-${files++}.db`);

/** The bytes of the database file and of its WAL, if one exists. */
function fileBytes(path: string): string {
  return [path, `${path}-wal`]
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString('latin1'))
    .join('');
}

/** Runs `read` on a connection of its own, which holds no snapshot once it returns. */
function probe<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  sqliteVec.load(db);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The terms of the FTS5 index itself: of one memory's entry (`instance` rows of its rowid) or of the whole index. */
function keywordTerms(path: string, memoryId?: string): string[] {
  return probe(path, (db) => {
    if (memoryId === undefined) {
      db.exec("CREATE VIRTUAL TABLE temp.fts_terms USING fts5vocab(main, 'memory_fts', 'row')");
      return db.prepare('SELECT term FROM temp.fts_terms').pluck().all() as string[];
    }
    db.exec("CREATE VIRTUAL TABLE temp.fts_instances USING fts5vocab(main, 'memory_fts', 'instance')");
    return db
      .prepare('SELECT DISTINCT term FROM temp.fts_instances WHERE doc = (SELECT seq FROM memories WHERE id = ?)')
      .pluck()
      .all(memoryId) as string[];
  });
}

describeErasureConformance('sqlite', {
  async create() {
    const path = nextPath();
    return {
      store: await openSqliteStore({ path }),
      rawDump: async () => fileBytes(path),
      keywordTerms: async (memoryId) => keywordTerms(path, memoryId),
      vectorCount: async () =>
        probe(path, (db) => db.prepare('SELECT count(*) FROM memory_embeddings').pluck().get() as number),
    };
  },
});

// Ends in a digit so that no stemmer strips a suffix ("…ed", "…e") and the indexed term is the word itself.
const canary = () => `zq${randomBytes(6).toString('hex')}0`;

describe('sqlite erasure in the file: compaction and the WAL', () => {
  it('compact rewrites the file without free pages and leaves every search working, after a reopen too', async () => {
    const path = nextPath();
    const brain = await createSqliteBrain({ path });
    const word = canary();
    const items = Array.from({ length: 300 }, (_, i) => ({
      content: `Filler note ${i} about shipment ${i * 7}`,
      tags: ['filler'],
    }));
    await brain.retainMany(items, { bankId: 'home' });
    const { memoryId } = await brain.retain(`Safe code hint ${word}`, { bankId: 'home' });
    const kept = await brain.retain('The spare key is under the blue pot', { bankId: 'home' });
    await brain.forget('home', { memoryIds: [memoryId as string] });
    expect((await brain.forget('home', { tags: ['filler'] })).deletedCount).toBe(300);
    const before = readFileSync(path).length;
    await brain.compact();
    expect(readFileSync(path).length).toBeLessThan(before);
    expect(fileBytes(path)).not.toContain(word);
    await brain.retain('The boiler was serviced in March', { bankId: 'home' });
    const check = async (b: Astrocyte) => {
      expect((await b.recall('spare key blue pot', { bankId: 'home', maxResults: 1 })).hits[0]?.memoryId).toBe(
        kept.memoryId,
      );
      expect((await b.recall('boiler serviced', { bankId: 'home', maxResults: 1 })).hits[0]?.text).toBe(
        'The boiler was serviced in March',
      );
    };
    await check(brain);
    await brain.close();
    const again = await createSqliteBrain({ path });
    await check(again);
    await again.close();
  });

  it('forget erases the text from the WAL and the file once a reader of an older snapshot is done, with no further call', async () => {
    const path = nextPath();
    const brain = await createSqliteBrain({ path });
    const word = canary();
    const { memoryId } = await brain.retain(`Locker combination hint ${word}`, { bankId: 'home' });
    await brain.retain('The plants need water on Mondays', { bankId: 'home' });
    expect(fileBytes(path)).toContain(word);
    // Another connection in a read transaction: its snapshot still holds the text, so the WAL cannot be emptied yet.
    const reader = new Database(path, { readonly: true });
    const watcher = new Database(path, { readonly: true });
    try {
      reader.exec('BEGIN');
      expect(reader.prepare('SELECT count(*) FROM memories').pluck().get()).toBe(2);
      const forgetting = brain.forget('home', { memoryIds: [memoryId as string] });
      const gone = () => watcher.prepare('SELECT count(*) FROM memories WHERE id = ?').pluck().get(memoryId) === 0;
      while (!gone()) await nextTurn();
      reader.exec('COMMIT');
      expect(await forgetting).toEqual({ deletedCount: 1 });
      // Nothing else has happened to the store since: no erase, no close.
      expect(fileBytes(path)).not.toContain(word);
      expect(fileBytes(path)).toContain('The plants need water on Mondays');
    } finally {
      reader.close();
      watcher.close();
      await brain.close();
    }
  });
});
