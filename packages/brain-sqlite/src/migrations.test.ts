import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Astrocyte, EmbedderMismatchError, LocalEmbedder } from '@astrocyte/core';
import { keywordFields, searchTerms, spacedLetterPairs } from '@astrocyte/core/backend';
import { axisVector, memoryRecord, retainHashedKinds } from '@astrocyte/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteBrain } from './create-sqlite-brain.js';
import { SCHEMA_VERSION } from './migrations.js';
import { openSqliteStore, type SqliteMemoryStore } from './sqlite-memory-store.js';
import { floats, vectorBlob } from './vector-blobs.js';

const dir = mkdtempSync(join(tmpdir(), 'astrocyte-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DIMENSIONS = 8;
const EMBEDDER = { name: 'test-axes', dimensions: DIMENSIONS };
const NOW = new Date('2026-03-01T00:00:00Z');
/**
 * Makes a file look as schema version `version` left it: the tables, columns and indexes later versions added are
 * dropped (versions 8 and 9 added none), and the version is set back. (The keyword index stays: version 3 rebuilds it.)
 */
function rewindTo(db: SqliteMemoryStore['database'], version: number): void {
  if (version < 3)
    db.exec(`DROP INDEX memories_episode; DROP INDEX memories_document;
      ALTER TABLE memories DROP COLUMN speaker; ALTER TABLE memories DROP COLUMN episode_id;
      ALTER TABLE memories DROP COLUMN episode_position; ALTER TABLE memories DROP COLUMN document_id;`);
  if (version < 4) db.exec('DROP INDEX memory_versions_superseded; ALTER TABLE memory_versions DROP COLUMN tags;');
  if (version < 6) db.exec('DROP TABLE memory_reembed;');
  if (version < 7) db.exec('DROP TABLE access_counters; DROP TABLE access_audit;');
  if (version < 10) db.exec('ALTER TABLE memory_versions DROP COLUMN document_id;');
  db.prepare("UPDATE astrocyte_meta SET value = ? WHERE key = 'schema_version'").run(String(version));
}

describe('schema version 5: one stored copy of each vector', () => {
  it('upgrades a version 4 file, whose vectors are also in vec0, and one with rows older than version 2', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const written = await openSqliteStore({ path });
    await written.ensureEmbedder(EMBEDDER);
    const records = Array.from({ length: DIMENSIONS }, (_, axis) =>
      memoryRecord('b', `note on axis ${axis}`, {
        embedding: axisVector(DIMENSIONS, axis),
        createdAt: NOW,
        tags: axis % 2 === 0 ? ['even'] : [],
      }),
    );
    await written.insert(records, { nearDuplicateThreshold: null });
    // What version 4 wrote besides: the vec0 table with every vector. The rows on odd axes are as a file from before
    // version 2 left them after migrating: their vectors only in vec0, no sketch, and the backfill flag set.
    written.database.exec(`
      CREATE VIRTUAL TABLE memory_vectors USING vec0(
        bank_id text partition key, embedding float[${DIMENSIONS}] distance_metric=cosine,
        moment integer, expires_at integer);
      INSERT INTO memory_vectors (rowid, bank_id, embedding, moment, expires_at)
        SELECT e.seq, m.bank_id, e.embedding, m.created_at, 8640000000000000
        FROM memory_embeddings e JOIN memories m ON m.seq = e.seq;
      DELETE FROM memory_embeddings WHERE seq IN (SELECT seq FROM memories WHERE text GLOB '*[13579]');
      DELETE FROM memory_sketches WHERE seq IN (SELECT seq FROM memories WHERE text GLOB '*[13579]');
      INSERT INTO astrocyte_meta (key, value) VALUES ('sketch_backfill', 'pending');`);
    rewindTo(written.database, 4);
    await written.close();

    const store = await openSqliteStore({ path });
    const count = (sql: string) => store.database.prepare(sql).pluck().get();
    expect(count("SELECT value FROM astrocyte_meta WHERE key = 'schema_version'")).toBe(String(SCHEMA_VERSION));
    expect(count("SELECT count(*) FROM sqlite_master WHERE name LIKE 'memory_vectors%'")).toBe(0);
    expect(count('SELECT count(*) FROM memory_embeddings')).toBe(DIMENSIONS);
    expect(count('SELECT count(*) FROM memory_sketches')).toBe(DIMENSIONS);
    expect(count("SELECT count(*) FROM astrocyte_meta WHERE key = 'sketch_backfill'")).toBe(0);
    // Every row is found by its own vector with its exact score: on the candidate index, and under a tag filter (the
    // exact scan of the stored vectors) for the tagged ones.
    for (const [axis, record] of records.entries()) {
      const query = axisVector(DIMENSIONS, axis);
      const [hit] = await store.vectorSearch(['b'], query, 1, { now: NOW });
      expect(hit).toMatchObject({ id: record.id });
      expect(hit?.score).toBeCloseTo(1, 5);
      const tagged = await store.vectorSearch(['b'], query, DIMENSIONS, { now: NOW, tags: ['even'] });
      expect(tagged).toHaveLength(DIMENSIONS / 2);
      expect(tagged[0]?.score).toBeCloseTo(axis % 2 === 0 ? 1 : 0, 5);
    }
    expect(await store.erase('b', [records[1]?.id as string], { action: 'forget', at: NOW })).toHaveLength(1);
    expect(count('SELECT count(*) FROM memory_embeddings')).toBe(DIMENSIONS - 1);
    await store.close();
  });
});

describe('schema version 6: staged vectors of a re-embedding', () => {
  it('upgrades a version 5 file, which can then be re-embedded', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const written = await openSqliteStore({ path });
    await written.ensureEmbedder(EMBEDDER);
    const record = memoryRecord('b', 'a note', { embedding: axisVector(DIMENSIONS, 0), createdAt: NOW });
    await written.insert([record], { nearDuplicateThreshold: null });
    rewindTo(written.database, 5);
    await written.close();

    const store = await openSqliteStore({ path });
    const value = (sql: string) => store.database.prepare(sql).pluck().get();
    expect(value("SELECT value FROM astrocyte_meta WHERE key = 'schema_version'")).toBe(String(SCHEMA_VERSION));
    expect(value("SELECT count(*) FROM sqlite_master WHERE name = 'memory_reembed'")).toBe(1);
    const target = { name: 'test-axes-4', dimensions: 4 };
    await store.reembedding.begin(target);
    await store.reembedding.switchTo(target, async (items) => items.map(() => axisVector(4, 1)));
    expect(await store.reembedding.state()).toEqual({ current: target, target: null, staged: 0, total: 1 });
    const [hit] = await store.vectorSearch(['b'], axisVector(4, 1), 1, { now: NOW });
    expect(hit).toMatchObject({ id: record.id });
    await store.close();
  });
});

describe('schema version 7: access counters and audit log', () => {
  it('upgrades a version 6 file, keeping its memories, whose ledger then adds and records', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const written = await openSqliteStore({ path });
    await written.ensureEmbedder(EMBEDDER);
    await written.insert([memoryRecord('b', 'a note', { embedding: axisVector(DIMENSIONS, 0), createdAt: NOW })], {
      nearDuplicateThreshold: null,
    });
    rewindTo(written.database, 6);
    await written.close();

    const store = await openSqliteStore({ path });
    expect(store.database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'schema_version'").pluck().get()).toBe(
      String(SCHEMA_VERSION),
    );
    expect(await store.banks()).toEqual([{ bankId: 'b', memoryCount: 1 }]);
    expect(await store.accessLedger.addToCounter('ops', NOW, 2, NOW)).toBe(2);
    const entry = {
      at: NOW,
      principal: 'user:alice',
      onBehalfOf: null,
      action: 'forget',
      bankId: 'b',
      permission: 'forget' as const,
      outcome: 'allowed' as const,
      details: { ids: ['m1'] },
    };
    await store.accessLedger.appendAudit(entry);
    expect((await store.accessLedger.listAudit({ limit: 10 })).items).toEqual([{ ...entry, id: expect.any(String) }]);
    await store.close();
  });
});

describe("schema version 8: a turn's content hash begins with its session's", () => {
  it('gives the turns stored before the prefix, so that the same transcript retained again finds them all', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const hashes = (db: SqliteMemoryStore['database']) =>
      db.prepare('SELECT id, content_hash FROM memories ORDER BY seq').all();
    const written = await createSqliteBrain({ path });
    expect((await retainHashedKinds(written, 'b')).every((r) => r.stored)).toBe(true);
    const old = (written.store as SqliteMemoryStore).database;
    const current = hashes(old);
    // As a release before version 8 left them: the turns' hashes (the 72-character ones) without the prefix. Five
    // turns, the long one in two or more chunks.
    const stripped = old
      .prepare('UPDATE memories SET content_hash = substr(content_hash, 9) WHERE length(content_hash) = 72')
      .run().changes;
    expect(stripped).toBeGreaterThanOrEqual(6);
    rewindTo(old, 7);
    await written.close();

    const brain = await createSqliteBrain({ path });
    const upgraded = (brain.store as SqliteMemoryStore).database;
    expect(upgraded.prepare("SELECT value FROM astrocyte_meta WHERE key = 'schema_version'").pluck().get()).toBe(
      String(SCHEMA_VERSION),
    );
    expect(hashes(upgraded)).toEqual(current);
    const again = await retainHashedKinds(brain, 'b');
    expect(again.map((r) => r.reason)).toEqual(again.map(() => 'the same content is already in memory'));
    await brain.close();
  });
});

describe('schema version 10: a superseded chunk keeps its document', () => {
  it('upgrades a version 9 file: a text replaced before forgets chunk by chunk, one replaced after as a whole', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const chunked = (topic: string) =>
      [1, 2, 3].map((n) => `Part ${n} about ${topic}. ${'It goes on about the same thing. '.repeat(40)}`).join('\n\n');
    const written = await createSqliteBrain({ path, limits: { chunkSize: 1000 } });
    const before = await written.retain(chunked('the lease'), { bankId: 'b' });
    await written.retain('The lease ended', { bankId: 'b', supersedes: before.memoryId as string });
    rewindTo((written.store as SqliteMemoryStore).database, 9);
    await written.close();

    const brain = await createSqliteBrain({ path, limits: { chunkSize: 1000 } });
    const after = await brain.retain(chunked('the garden'), { bankId: 'b' });
    await brain.retain('The garden was sold', { bankId: 'b', supersedes: after.memoryId as string });
    // The rows replaced before the upgrade do not know their document: only the chunk named is forgotten.
    const last = (result: typeof before) => (result.chunkIds as string[]).at(-1) as string;
    expect(await brain.forget('b', { memoryIds: [last(before)] })).toEqual({ deletedCount: 1 });
    expect(await brain.forget('b', { memoryIds: [last(after)] })).toEqual({
      deletedCount: (after.chunkIds as string[]).length,
    });
    await brain.close();
  });
});

// The content hash the releases before version 3 stored: sha256 of the text NFKC-normalized and lower-cased.
const hashBeforeVersion3 = (text: string) =>
  createHash('sha256').update(text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()).digest('hex');

describe('schema versions 11 and 12: memories stored before version 3', () => {
  it('finds their repeats and corrections again, and their vectors are the local embedder’s of now', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const embedder = new LocalEmbedder({ dimensions: 64 });
    const written = await createSqliteBrain({ path, embedder });
    const coffee = await written.retain('Bob now prefers black coffee', { bankId: 'b', tags: ['bob'] });
    const tea = await written.retain('Bob used to drink green tea', { bankId: 'b', tags: ['bob'] });
    const at = '2025-06-01T00:00:00Z';
    const meeting = await written.retain('Meeting with the auditors at 3pm on 2025-06-02', {
      bankId: 'b',
      occurredAt: at,
    });
    const kumquats = await written.retain('Filler fact number 3 about kumquat orchards 21', { bankId: 'b' });
    await written.close();
    // As a release before version 3 left the file: the old hashes, and vectors in which numbers weighed less (the
    // vector of the text without them stands in), sketched as they were.
    const old = await openSqliteStore({ path });
    const rows = old.database.prepare('SELECT seq, text FROM memories').all() as { seq: number; text: string }[];
    for (const row of rows) {
      old.database
        .prepare('UPDATE memories SET content_hash = ? WHERE seq = ?')
        .run(hashBeforeVersion3(row.text), row.seq);
      const vector = embedder.embedOne(row.text.replace(/\d+/g, ''));
      old.database.prepare('UPDATE memory_embeddings SET embedding = ? WHERE seq = ?').run(vectorBlob(vector), row.seq);
    }
    old.database.exec("DELETE FROM memory_sketches; INSERT INTO astrocyte_meta VALUES ('sketch_backfill', 'pending');");
    await old.ensureEmbedder(embedder);
    rewindTo(old.database, 2);
    await old.close();

    const brain = await createSqliteBrain({ path, embedder });
    const database = (brain.store as SqliteMemoryStore).database;
    const stored = database.prepare('SELECT e.embedding, m.text FROM memory_embeddings e JOIN memories m USING (seq)');
    for (const row of stored.all() as { embedding: Buffer; text: string }[])
      expect([...floats(row.embedding)]).toEqual([...embedder.embedOne(row.text)]);
    expect(
      await brain.retain('Meeting with the auditors at 3pm on 2025-06-02', { bankId: 'b', occurredAt: at }),
    ).toMatchObject({ deduplicated: true, duplicateOf: meeting.memoryId });
    const correction = await brain.retain('Bob now prefers black coffee', {
      bankId: 'b',
      tags: ['bob'],
      supersedes: tea.memoryId as string,
    });
    expect(correction).toMatchObject({ deduplicated: true, duplicateOf: coffee.memoryId });
    // A near repeat: found by its vector, which lies beside the stored one again.
    expect(await brain.retain('Filler fact number 3 about the kumquat orchards 21', { bankId: 'b' })).toMatchObject({
      deduplicated: true,
      duplicateOf: kumquats.memoryId,
    });
    expect((await brain.list('b')).items.map((m) => m.text).sort()).toEqual(
      rows
        .filter((r) => r.text !== 'Bob used to drink green tea')
        .map((r) => r.text)
        .sort(),
    );
    expect(database.prepare("SELECT count(*) FROM astrocyte_meta WHERE key = 'upgrade_from'").pluck().get()).toBe(0);
    await brain.close();
  });

  it('keeps both rows when an old memory’s new hash is already held by its repeat, stored after version 3', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const store = await openSqliteStore({ path });
    await store.ensureEmbedder(EMBEDDER);
    const text = 'Bob now prefers black coffee';
    const fields = { embedding: axisVector(DIMENSIONS, 0), createdAt: NOW };
    const before = memoryRecord('b', text, { ...fields, contentHash: hashBeforeVersion3(text) });
    const repeat = memoryRecord('b', text, fields);
    const other = memoryRecord('b', 'Alice drinks tea', {
      ...fields,
      contentHash: hashBeforeVersion3('Alice drinks tea'),
    });
    await store.insert([before, repeat, other], { nearDuplicateThreshold: null });
    rewindTo(store.database, 10);
    await store.close();

    const upgraded = await openSqliteStore({ path });
    const hashes = upgraded.database.prepare('SELECT id, content_hash FROM memories ORDER BY seq').all();
    expect(hashes).toEqual([
      { id: before.id, content_hash: hashBeforeVersion3(text) },
      { id: repeat.id, content_hash: repeat.contentHash },
      { id: other.id, content_hash: memoryRecord('b', 'Alice drinks tea', fields).contentHash },
    ]);
    expect(await upgraded.findByHash('b', repeat.contentHash)).toBe(repeat.id);
    await upgraded.close();
  });
});

describe('schema version 13: Chinese, Japanese, Korean and Thai in the keyword index as letter pairs', () => {
  it('rewrites the entries holding such text, a neighbour’s too, which are then found by a word inside a clause', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const written = await openSqliteStore({ path });
    await written.ensureEmbedder(EMBEDDER);
    const at = { embedding: axisVector(DIMENSIONS, 0), createdAt: NOW };
    const passport = memoryRecord('b', '我的护照在抽屉里', at);
    const eggs = memoryRecord('b', 'Buy eggs and milk', at);
    const question = memoryRecord('b', 'Where is my passport?', { ...at, speaker: 'Ann', episodeId: 'e' });
    const answer = memoryRecord('b', '在抽屉里', { ...at, speaker: '田中', episodeId: 'e' });
    await written.insert([passport, eggs, question, answer], { nearDuplicateThreshold: null });
    // As a release before version 13 indexed them: the keyword fields as written, for the rows holding such text
    // (the question by its neighbour's). The English row's entry is the same in both.
    const db = written.database;
    const seq = (id: string) => db.prepare('SELECT seq FROM memories WHERE id = ?').pluck().get(id);
    const entry = "INSERT INTO memory_fts (memory_fts, rowid, text, date, context) VALUES ('delete', ?, ?, ?, ?)";
    for (const [record, neighbours] of [
      [passport, []],
      [question, [answer.text]],
      [answer, [question.text]],
    ] as const) {
      const fields = keywordFields(record, [...neighbours]);
      const indexed = [fields.text, fields.date, fields.context].map(spacedLetterPairs);
      db.prepare(entry).run(seq(record.id), ...indexed);
      db.prepare(entry.replace("'delete', ", '').replace('memory_fts, ', '')).run(
        seq(record.id),
        fields.text,
        fields.date,
        fields.context,
      );
    }
    const found = async (store: SqliteMemoryStore, query: string) =>
      new Set((await store.keywordSearch(['b'], searchTerms(query), 10, { now: NOW })).map((h) => h.id));
    expect(await found(written, '护照')).toEqual(new Set());
    rewindTo(db, 12);
    await written.close();

    const store = await openSqliteStore({ path });
    expect(await found(store, '护照')).toEqual(new Set([passport.id]));
    expect(await found(store, '抽屉')).toEqual(new Set([passport.id, question.id, answer.id]));
    expect(await found(store, '田中')).toEqual(new Set([answer.id]));
    expect(await found(store, 'eggs')).toEqual(new Set([eggs.id]));
    // Forgetting the answer takes its words out of its neighbour's entry: the entries hold what the index says.
    await store.erase('b', [answer.id], { action: 'forget', at: NOW });
    expect(await found(store, '抽屉')).toEqual(new Set([passport.id]));
    expect(await found(store, 'passport')).toEqual(new Set([question.id]));
    store.database.prepare("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)").run();
    await store.close();
  });
});

describe('an older file opened with another embedder', () => {
  it('is refused before it is upgraded: the file stays as its release left it', async () => {
    const path = join(dir, `${randomUUID()}.db`);
    const written = await createSqliteBrain({ path, embedder: new LocalEmbedder({ dimensions: 64 }) });
    await written.retain('Mina runs the Tuesday standup', { bankId: 'team' });
    rewindTo((written.store as SqliteMemoryStore).database, 2);
    await written.close();
    const bytes = readFileSync(path);

    const other = await createSqliteBrain({ path, embedder: new LocalEmbedder({ dimensions: 32 }) }).catch((e) => e);
    expect(EmbedderMismatchError.isInstance(other)).toBe(true);
    const fromConfig = await Astrocyte.fromConfigObject({
      storage: { backend: 'sqlite', sqlite: { path } },
      embedding: { provider: 'local', dimensions: 128 },
    }).catch((e) => e);
    expect(EmbedderMismatchError.isInstance(fromConfig)).toBe(true);
    expect(readFileSync(path).equals(bytes)).toBe(true);

    const brain = await createSqliteBrain({ path, embedder: new LocalEmbedder({ dimensions: 64 }) });
    expect((await brain.recall('standup', { bankId: 'team' })).hits).toHaveLength(1);
    await brain.close();
  });
});
