import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  Astrocyte,
  AstrocyteError,
  ConfigError,
  EmbedderMismatchError,
  LocalEmbedder,
  StorageError,
  ValidationError,
} from '@astrocyte/core';
import { contentHash, type MemoryRecord } from '@astrocyte/core/backend';
import { axisVector, memoryRecord, storesPerTest } from '@astrocyte/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';
import { openSqliteStore, SqliteMemoryStore } from './sqlite-memory-store.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dbPath = () => join(dir, `${randomUUID()}.db`);

const DIMENSIONS = 8;
const EMBEDDER = { name: 'test-axes', dimensions: DIMENSIONS };
const NOW = new Date('2026-03-01T00:00:00Z');

const vector = (axis: number, tilt = 0) => axisVector(DIMENSIONS, axis, tilt);

function record(bankId: string, text: string, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return memoryRecord(bankId, text, { embedding: vector(0), createdAt: NOW, ...overrides });
}

const store = storesPerTest((path?: string) => openSqliteStore({ path: path ?? ':memory:' }), EMBEDDER);
const bareStore = storesPerTest(() => openSqliteStore({ path: ':memory:' }));

describe('opening', () => {
  it('uses WAL and secure_delete on a file, and records the schema version', async () => {
    const s = await store(dbPath());
    expect(s.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.database.pragma('secure_delete', { simple: true })).toBe(1);
    expect(s.database.pragma('busy_timeout', { simple: true })).toBe(5000);
    const version = s.database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'schema_version'").pluck().get();
    expect(version).toBe('13');
  });

  it('takes synchronous: full or normal in code and in astrocyte.yaml (durable-commits.test.ts), and refuses others', async () => {
    await (await openSqliteStore({ path: dbPath(), synchronous: 'normal' })).close();
    await (await createSqliteBrain({ path: dbPath(), synchronous: 'full' })).close();
    const configured = await Astrocyte.fromConfigObject({
      storage: { backend: 'sqlite', sqlite: { path: dbPath(), synchronous: 'normal' } },
    });
    await configured.retain('Configured to sync at checkpoints', { bankId: 'sync' });
    await configured.close();

    const wrong = await Astrocyte.fromConfigObject({
      storage: { backend: 'sqlite', sqlite: { path: dbPath(), synchronous: 'off' } },
    }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ConfigError);
    expect((wrong as Error).message).toMatch(/storage\.sqlite\.synchronous: .*"full".*"normal"/);
    await expect(openSqliteStore({ path: dbPath(), synchronous: 'off' as never })).rejects.toThrow(
      /@astrocyte\/brain-sqlite: synchronous: .*"full"\|"normal"/,
    );
  });

  it('creates missing parent directories for a file path', async () => {
    const path = join(dir, randomUUID(), 'nested', 'memory.db');
    await store(path);
    expect(existsSync(path)).toBe(true);
  });

  it('with mustExist, opens a file that is there and refuses one that is not, creating neither it nor its folder', async () => {
    const missing = join(dir, randomUUID(), 'memory.db');
    const error = await openSqliteStore({ path: missing, mustExist: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'storage_database_missing', details: { path: missing } });
    expect(existsSync(dirname(missing))).toBe(false);
    const path = dbPath();
    await (await store(path)).insert([record('b', 'kept')], { nearDuplicateThreshold: null });
    const reopened = await openSqliteStore({ path, mustExist: true });
    expect((await reopened.list('b', { limit: 10 })).items.map((m) => m.text)).toEqual(['kept']);
    await reopened.close();
  });

  it('createSqliteBrain passes mustExist to the store, and refuses a key of neither the store nor the brain', async () => {
    const missing = join(dir, randomUUID(), 'memory.db');
    const error = await createSqliteBrain({ path: missing, mustExist: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'storage_database_missing', details: { path: missing } });
    expect(existsSync(dirname(missing))).toBe(false);
    const misspelt = await createSqliteBrain({ path: missing, mustExsit: true } as never).catch((e: unknown) => e);
    expect(misspelt).toBeInstanceOf(ConfigError);
    expect((misspelt as ConfigError).details).toMatchObject({ package: '@astrocyte/brain-sqlite', field: 'mustExsit' });
    expect((misspelt as Error).message).toMatch(
      /valid options are path, database, .*mustExist.*embedder, .*recall.*; did you mean "mustExist"\?$/,
    );
    expect(existsSync(dirname(missing))).toBe(false);
    const deep = await createSqliteBrain({ path: missing, recall: { vectorWeigth: 0.5 } } as never).catch((e) => e);
    expect(ValidationError.isInstance(deep) && deep.details.field).toBe('recall.vectorWeigth');
    const range = await createSqliteBrain({ path: missing, dedup: { nearThreshold: 2 } }).catch((e) => e);
    expect(ValidationError.isInstance(range) && range.details.field).toBe('dedup.nearThreshold');
    const access = await createSqliteBrain({ path: missing, access: { grants: [{ principal: 'robot:r2' }] } as never })
      .then(() => null)
      .catch((e: unknown) => e);
    expect(access).toBeInstanceOf(ConfigError);
    // Refused before the store opened: no database file, no folder.
    expect(existsSync(dirname(missing))).toBe(false);
  });

  it('validates options with errors that name the package and the field', () => {
    const cases: [unknown, string][] = [
      [{}, 'path'],
      [{ path: '' }, 'path'],
      [{ path: 42 }, 'path'],
      [{ path: ':memory:', database: new Database(':memory:') }, 'path'],
      [{ database: { not: 'a database' } }, 'database'],
      [{ path: ':memory:', paht: 'typo' }, 'options'],
      [{ path: ':memory:', busyTimeoutMs: -1 }, 'busyTimeoutMs'],
      [null, 'options'],
    ];
    for (const [options, field] of cases) {
      const error = (() => {
        try {
          return SqliteMemoryStore.open(options as never);
        } catch (e) {
          return e;
        }
      })();
      expect(ConfigError.isInstance(error), JSON.stringify(options)).toBe(true);
      expect((error as Error).message).toContain('@astrocyte/brain-sqlite');
      expect((error as Error).message).toContain(field);
    }
  });

  it('refuses a database written by a newer schema', async () => {
    const path = dbPath();
    const first = await store(path);
    first.database.prepare("UPDATE astrocyte_meta SET value = '99' WHERE key = 'schema_version'").run();
    await first.close();
    await expect(openSqliteStore({ path })).rejects.toMatchObject({ code: 'schema_too_new' });
  });

  it('leaves a caller-provided database open on close, and refuses calls after close', async () => {
    const database = new Database(':memory:');
    const s = await openSqliteStore({ database });
    await s.ensureEmbedder(EMBEDDER);
    await s.close();
    expect(database.open).toBe(true);
    expect(database.prepare('SELECT count(*) FROM memories').pluck().get()).toBe(0);
    await expect(s.banks()).rejects.toMatchObject({ code: 'store_closed' });
    database.close();
  });

  it('closes the database it opened itself', async () => {
    const s = await openSqliteStore({ path: ':memory:' });
    await s.close();
    expect(s.database.open).toBe(false);
  });
});

describe('embedder', () => {
  it('refuses another embedder when a brain file is reopened, naming both', async () => {
    const path = dbPath();
    const first = await createSqliteBrain({ path, embedder: new LocalEmbedder({ dimensions: 64 }) });
    await first.retain('Ada prefers green tea', { bankId: 'ada' });
    await first.close();
    const error = await createSqliteBrain({ path, embedder: new LocalEmbedder({ dimensions: 128 }) }).catch((e) => e);
    expect(EmbedderMismatchError.isInstance(error)).toBe(true);
    expect(error.message).toContain('64 dimensions');
    expect(error.message).toContain('128 dimensions');
    // The failed open closed its connection: the file opens again with the right embedder and kept its data.
    const again = await createSqliteBrain({ path, embedder: new LocalEmbedder({ dimensions: 64 }) });
    expect((await again.recall('green tea', { bankId: 'ada' })).hits[0]?.text).toBe('Ada prefers green tea');
    await again.close();
  });

  it('refuses to insert before ensureEmbedder and rejects a vector of the wrong size', async () => {
    const bare = await bareStore();
    await expect(bare.insert([record('b', 'x')], { nearDuplicateThreshold: null })).rejects.toMatchObject({
      code: 'store_not_ready',
    });
    const s = await store();
    const bad = record('b', 'second', { embedding: new Float32Array(3) });
    const error = await s.insert([record('b', 'first'), bad], { nearDuplicateThreshold: null }).catch((e) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(await s.banks()).toEqual([]);
  });
});

describe('persistence and transactions', () => {
  it('keeps vectors and the keyword index across a reopen', async () => {
    const path = dbPath();
    const brain = await createSqliteBrain({ path });
    const { memoryId } = await brain.retain('The deploy window is Thursday at noon', {
      bankId: 'ops',
      tags: ['deploy'],
    });
    await brain.close();
    const again = await createSqliteBrain({ path });
    const { hits } = await again.recall('deploy window', { bankId: 'ops', tags: ['deploy'] });
    expect(hits.map((h) => h.memoryId)).toEqual([memoryId]);
    await again.close();
  });

  it('rolls back a whole batch when one record fails', async () => {
    const s = await store();
    const id = randomUUID();
    const error = await s
      .insert([record('b', 'one', { id }), record('b', 'two', { id, embedding: vector(3) })], {
        nearDuplicateThreshold: null,
      })
      .catch((e) => e);
    expect(StorageError.isInstance(error)).toBe(true);
    expect(await s.get('b', [id])).toEqual([]);
    expect(s.database.prepare('SELECT count(*) FROM memory_versions').pluck().get()).toBe(0);
  });

  it('sees what another connection committed when checking duplicates', async () => {
    const path = dbPath();
    const [a, b] = [await store(path), await store(path)];
    const first = record('shared', 'only once please');
    expect(await a.insert([first], { nearDuplicateThreshold: null })).toEqual([{ status: 'stored', id: first.id }]);
    const outcome = await b.insert(
      [record('shared', 'Only once, please', { contentHash: contentHash('only once please') })],
      {
        nearDuplicateThreshold: null,
      },
    );
    expect(outcome[0]).toMatchObject({ status: 'duplicate', duplicateOf: first.id, match: 'exact' });
    const near = await b.insert([record('shared', 'Once, please!', { embedding: vector(0, 0.01) })], {
      nearDuplicateThreshold: 0.95,
    });
    expect(near[0]).toMatchObject({ status: 'duplicate', duplicateOf: first.id, match: 'near' });
  });

  it('does not count the memory being superseded as a duplicate of its correction', async () => {
    const s = await store();
    const old = record('b', 'The meeting is at 3pm on Friday');
    await s.insert([old], { nearDuplicateThreshold: 0.9 });
    const fix = record('b', 'The meeting is at 4pm on Friday', { embedding: vector(0, 0.05), supersedes: old.id });
    expect(await s.insert([fix], { nearDuplicateThreshold: 0.9 })).toEqual([{ status: 'stored', id: fix.id }]);
    const same = record('b', 'The meeting is at 4pm on Friday', { supersedes: fix.id });
    expect(await s.insert([same], { nearDuplicateThreshold: 0.9 })).toEqual([{ status: 'stored', id: same.id }]);
    expect((await s.history('b', fix.id)).map((v) => v.action)).toEqual(['create', 'supersede']);
  });
});

describe('keyword search', () => {
  it('treats FTS5 syntax in terms as plain words', async () => {
    const s = await store();
    const foo = record('b', 'foo fighters concert', { embedding: vector(1) });
    const bar = record('b', 'a bar near the station', { embedding: vector(2) });
    const barn = record('b', 'the red barn', { embedding: vector(3) });
    await s.insert([foo, bar, barn], { nearDuplicateThreshold: null });
    const ids = async (terms: string[]) =>
      (await s.keywordSearch(['b'], terms, 10, { now: NOW })).map((h) => h.id).sort();
    // A prefix query bar* would match barn; quoted it is the word bar.
    expect(await ids(['bar*'])).toEqual([bar.id]);
    expect(await ids(['"foo" OR bar*'])).toEqual([]);
    expect(await ids(['"foo"', 'OR', 'bar*'])).toEqual([foo.id, bar.id].sort());
    expect(await ids(['NEAR(', 'near'])).toEqual([bar.id]);
    for (const hostile of [
      'NEAR(foo bar)',
      'text:foo',
      '{text}: foo',
      '^foo',
      'foo AND',
      ')',
      '"',
      '""""',
      '-',
      'NOT foo',
    ]) {
      const hits = await s.keywordSearch(['b'], [hostile], 10, { now: NOW });
      expect(Array.isArray(hits)).toBe(true);
    }
    // As a column filter text:foo would find the foo row; as a phrase it looks for the words "text foo".
    expect(await ids(['text:foo'])).toEqual([]);
  });
});

describe('searches', () => {
  it('return each hit with its memory, read in the same query, so that recall reads none of them again', async () => {
    // A file, so that the keyword search runs on the store's thread.
    const s = await store(dbPath());
    const records = [1, 2, 3].map((axis) =>
      record('b', `apollo budget line ${axis}`, { embedding: vector(axis), tags: [`t${axis}`] }),
    );
    await s.insert(records, { nearDuplicateThreshold: null });
    const stored = await s.get(
      'b',
      records.map((r) => r.id),
    );
    for (const hits of [
      await s.vectorSearch(['b'], vector(2), 3, { now: NOW }),
      await s.keywordSearch(['b'], ['apollo'], 3, { now: NOW }),
    ]) {
      expect(hits).toHaveLength(3);
      for (const hit of hits) expect(hit.memory).toEqual(stored.find((m) => m.id === hit.id));
    }
  });
});

describe('search filters', () => {
  it('matches path prefixes on whole segments, with LIKE wildcards taken literally', async () => {
    const s = await store();
    const paths = ['a/b', 'a/b/c', 'a/bc', 'a%/b', 'a_/b', 'ab'];
    const records = paths.map((path, i) => record('p', `note ${i}`, { path, embedding: vector(0, i / 100) }));
    await s.insert(records, { nearDuplicateThreshold: null });
    const under = async (pathPrefix: string) => {
      const found = await s.vectorSearch(['p'], vector(0), 10, { now: NOW, pathPrefix });
      const listed = await s.list('p', { pathPrefix, limit: 100 });
      const fromSearch = found
        .map((h) => records.findIndex((r) => r.id === h.id))
        .map((i) => paths[i])
        .sort();
      expect(listed.items.map((m) => m.path).sort()).toEqual(fromSearch);
      return fromSearch;
    };
    expect(await under('a/b')).toEqual(['a/b', 'a/b/c']);
    expect(await under('/a/b/')).toEqual(['a/b', 'a/b/c']);
    expect(await under('a')).toEqual(['a/b', 'a/b/c', 'a/bc']);
    expect(await under('a%')).toEqual(['a%/b']);
    expect(await under('a_')).toEqual(['a_/b']);
  });

  it('fills the limit under a tag filter when many closer rows do not match, and across banks', async () => {
    const s = await store();
    // More tagged rows than are searched exactly, all far from the query, behind 5000 closer untagged rows.
    const untagged = Array.from({ length: 5000 }, (_, i) =>
      record('big', `near ${i}`, { embedding: vector(0, i / 100_000) }),
    );
    const tagged = Array.from({ length: 20_100 }, (_, i) =>
      record('big', `far ${i}`, { embedding: vector(0, 2 + i / 1000), tags: ['t'] }),
    );
    await s.insert([...untagged, ...tagged], { nearDuplicateThreshold: null });
    const other = record('other', 'other bank', { embedding: vector(0, 2), tags: ['t'] });
    await s.insert([other], { nearDuplicateThreshold: null });
    const hits = await s.vectorSearch(['big'], vector(0), 3, { now: NOW, tags: ['t'] });
    expect(hits.map((h) => h.id)).toEqual(tagged.slice(0, 3).map((r) => r.id));
    const both = await s.vectorSearch(['big', 'other'], vector(0), 2, { now: NOW, tags: ['t'] });
    expect(both.map((h) => h.id).sort()).toEqual([tagged[0]?.id, other.id].sort());
    // Without a tag filter the index applies bank and time itself.
    const plain = await s.vectorSearch(['big'], vector(0), 2, { now: NOW });
    expect(plain).toHaveLength(2);
    expect(plain[0]?.score).toBeCloseTo(1, 5);
    expect(plain.every((h) => untagged.some((r) => r.id === h.id))).toBe(true);
  });
});

describe('erase', () => {
  it('removes the text from memories, the keyword index, version history, superseded memories and the file', async () => {
    const path = dbPath();
    const brain = await createSqliteBrain({ path });
    const old = await brain.retain('The vault code is xylophonequartz seven', { bankId: 'vault' });
    const current = await brain.retain('The vault code is zeppelinmarmot eight', {
      bankId: 'vault',
      supersedes: old.memoryId as string,
    });
    const keep = await brain.retain('Lunch is at noon', { bankId: 'vault' });
    expect(await brain.forget('vault', { memoryIds: [current.memoryId as string] })).toEqual({ deletedCount: 1 });

    const db = (brain.store as SqliteMemoryStore).database;
    const count = (sql: string, ...params: unknown[]) =>
      db
        .prepare(sql)
        .pluck()
        .get(...params);
    expect(
      count("SELECT count(*) FROM memories WHERE text LIKE '%xylophonequartz%' OR text LIKE '%zeppelinmarmot%'"),
    ).toBe(0);
    expect(count('SELECT count(*) FROM memory_fts WHERE memory_fts MATCH ?', 'zeppelinmarmot OR xylophonequartz')).toBe(
      0,
    );
    db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(main, memory_fts, row)');
    expect(count("SELECT count(*) FROM temp.fts_terms WHERE term IN ('zeppelinmarmot', 'xylophonequartz')")).toBe(0);
    expect(count('SELECT count(*) FROM memory_versions WHERE text IS NOT NULL AND memory_id != ?', keep.memoryId)).toBe(
      0,
    );
    expect(count('SELECT count(*) FROM memory_embeddings')).toBe(1);
    const history = await brain.history('vault', current.memoryId as string);
    expect(history.map((v) => [v.action, v.text])).toEqual([
      ['create', null],
      ['forget', null],
    ]);
    await brain.close();
    // secure_delete zeroes freed pages and the erase truncated the WAL: no byte of the erased words is left on disk.
    for (const file of [path, `${path}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes('xylophonequartz'), file).toBe(false);
      expect(bytes.includes('zeppelinmarmot'), file).toBe(false);
    }
  });

  it('erases only live memories of the bank asked for', async () => {
    const s = await store();
    const mine = record('mine', 'my memory');
    await s.insert([mine], { nearDuplicateThreshold: null });
    expect(await s.erase('theirs', [mine.id, 'unknown'], { action: 'forget', at: NOW })).toEqual([]);
    expect(await s.erase('mine', [mine.id, mine.id], { action: 'forget', at: NOW })).toEqual([mine.id]);
    expect(await s.erase('mine', [mine.id], { action: 'forget', at: NOW })).toEqual([]);
    expect((await s.history('mine', mine.id)).map((v) => v.action)).toEqual(['create', 'forget']);
  });
});

describe('list', () => {
  it('rejects a cursor it did not make', async () => {
    const s = await store();
    for (const cursor of [
      'nonsense',
      Buffer.from('[1]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
    ]) {
      const error = await s.list('b', { cursor, limit: 10 }).catch((e) => e);
      expect(AstrocyteError.isInstance(error) && error.code).toBe('invalid_input');
    }
  });
});
