import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Astrocyte, type AstrocyteOptions, Governance, handleMemoryTool } from '@astrocyte/core';
import { manualClock } from '@astrocyte/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';
import type { SqliteMemoryStore } from './sqlite-memory-store.js';

// Governance promises that rejected data is never written and forgotten data is gone. These tests read what is
// really on disk: every table (shadow tables of FTS5 and vec0 included), the FTS5 term list, and the bytes of the
// database file and its WAL.

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-erasure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function brainOnFile(options: Omit<AstrocyteOptions, 'store' | 'embedder'> | Record<string, never> = {}) {
  const path = join(dir, `erasure-${files++}.db`);
  const brain = await createSqliteBrain({ ...options, path });
  return { brain, path, db: (brain.store as SqliteMemoryStore).database };
}

/** Every row of every table, blobs read as latin1 so that text inside them is searchable. */
function dumpTables(db: SqliteMemoryStore['database']): string {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")
    .all() as { name: string }[];
  return tables
    .map(({ name }) => {
      const rows = db.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][];
      return `${name}: ${rows.map((row) => row.map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v))).join('|')).join('\n')}`;
    })
    .join('\n');
}

/** The terms in the FTS5 index itself, read through fts5vocab rather than through the content table. */
function indexedTerms(db: SqliteMemoryStore['database']): string[] {
  db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, 'memory_fts', 'row')");
  return (db.prepare('SELECT term FROM temp.fts_terms').all() as { term: string }[]).map((r) => r.term);
}

/** The bytes of the database file and of its WAL, if one exists. */
function fileBytes(path: string): string {
  return [path, `${path}-wal`]
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString('latin1'))
    .join('');
}

// Ends in a digit so that no stemmer strips a suffix ("…ed", "…e") and the indexed term is the word itself.
function canary(): string {
  return `zq${randomBytes(6).toString('hex')}0`;
}

async function close(brain: Astrocyte): Promise<void> {
  await brain.close();
}

describe('sqlite erasure, read from the raw tables and the file', () => {
  it('a card number rejected through the tools is written nowhere, not even in the file or the WAL', async () => {
    const { brain, path, db } = await brainOnFile({
      governance: new Governance({ pii: { overrides: { credit_card: 'reject' } } }),
    });
    await brain.retain('The office plant needs water on Mondays', { bankId: 'agent' });
    const out = JSON.parse(
      await handleMemoryTool(
        brain,
        'memory_retain',
        { content: 'my card is 4111 1111 1111 1111' },
        { bankId: 'agent' },
      ),
    );
    expect(out).toMatchObject({ stored: false, memory_id: null, reason: expect.stringContaining('payment card') });
    expect(fileBytes(path)).toContain('office plant needs water');
    for (const trace of ['4111 1111 1111 1111', '4111111111111111', '1111 1111']) {
      expect(dumpTables(db)).not.toContain(trace);
      expect(fileBytes(path)).not.toContain(trace);
    }
    expect(indexedTerms(db)).not.toContain('4111');
    await close(brain);
    expect(fileBytes(path)).not.toContain('4111 1111 1111 1111');
  });

  it('redacted values never reach the file', async () => {
    const { brain, path, db } = await brainOnFile();
    const secret = `${canary()}@example.com`;
    const result = await brain.retain(`Reach the landlord at ${secret}`, { bankId: 'agent', tags: [secret] });
    expect(result.redacted).toEqual(['email']);
    expect(dumpTables(db)).not.toContain(secret);
    expect(fileBytes(path)).not.toContain(secret);
    await close(brain);
  });

  it('forget removes the text from the row, the vector table, the FTS index, every version and the file', async () => {
    const { brain, path, db } = await brainOnFile();
    const [first, second] = [canary(), canary()];
    const old = await brain.retain(`Door code hint ${first} for the garage`, { bankId: 'home' });
    const next = await brain.retain(`Door code hint ${second} for the garage`, {
      bankId: 'home',
      supersedes: old.memoryId as string,
    });
    await brain.retain('The recycling goes out on Thursdays', { bankId: 'home' });
    // The probes see the text while it is live, so their silence afterwards means something.
    expect(dumpTables(db)).toContain(first);
    expect(indexedTerms(db)).toContain(second);
    expect(fileBytes(path)).toContain(second);

    expect(await brain.forget('home', { memoryIds: [next.memoryId as string], reason: 'owner asked' })).toEqual({
      deletedCount: 1,
    });
    const tables = dumpTables(db);
    for (const word of [first, second]) {
      expect(tables).not.toContain(word);
      expect(indexedTerms(db)).not.toContain(word);
      expect(fileBytes(path)).not.toContain(word);
    }
    const vectors = db.prepare('SELECT COUNT(*) AS n FROM memory_vectors').get() as { n: number };
    expect(vectors.n).toBe(1);
    const versions = db
      .prepare('SELECT action, text, reason FROM memory_versions WHERE memory_id IN (?, ?) ORDER BY memory_id, version')
      .all(old.memoryId, next.memoryId) as { action: string; text: string | null; reason: string | null }[];
    expect(versions.every((v) => v.text === null)).toBe(true);
    expect(versions).toContainEqual({ action: 'forget', text: null, reason: 'owner asked' });
    // The unrelated memory is untouched.
    expect(tables).toContain('The recycling goes out on Thursdays');
    await close(brain);
    for (const word of [first, second]) expect(fileBytes(path)).not.toContain(word);
  });

  it('purgeExpired erases as forget does', async () => {
    const clock = manualClock();
    const { brain, path, db } = await brainOnFile({ now: clock.now });
    const word = canary();
    const { memoryId } = await brain.retain(`Wifi guest password hint ${word}`, {
      bankId: 'home',
      expiresAt: new Date(clock.now().getTime() + 1000),
    });
    expect(fileBytes(path)).toContain(word);
    clock.advance(1000);
    expect(await brain.purgeExpired()).toBe(1);
    expect(dumpTables(db)).not.toContain(word);
    expect(indexedTerms(db)).not.toContain(word);
    expect(fileBytes(path)).not.toContain(word);
    const history = await brain.history('home', memoryId as string);
    expect(history.map((v) => [v.action, v.text])).toEqual([
      ['create', null],
      ['expire', null],
    ]);
    await close(brain);
  });

  it('compact rewrites the file without free pages and leaves every search working, after a reopen too', async () => {
    const { brain, path } = await brainOnFile();
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
    await close(brain);
    const again = await createSqliteBrain({ path });
    await check(again);
    await close(again);
  });

  it('forget erases the text from the WAL and the file once a reader of an older snapshot is done, with no further call', async () => {
    const { brain, path } = await brainOnFile();
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
      await close(brain);
    }
  });
});
