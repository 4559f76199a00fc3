import { LocalEmbedder } from '@astrocyte/core';
import type { MemoryRecord } from '@astrocyte/core/backend';
import { memoryRecord, randomBankId } from '@astrocyte/core/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import type { PostgresMemoryStore } from './postgres-memory-store.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas, admin, openStore } = await postgresTestFile();

const embedder = new LocalEmbedder({ dimensions: 64 });
const NOW = new Date('2026-06-01T12:00:00Z');

function record(bankId: string, text: string, overrides: Partial<MemoryRecord> = {}): MemoryRecord {
  return memoryRecord(bankId, text, { embedding: embedder.embedOne(text), createdAt: NOW, ...overrides });
}

// A real pool whose connections log every statement they run, to check what the store sends to the server.
function recordingPool(): { pool: pg.Pool; statements: string[] } {
  const statements: string[] = [];
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
      if (text) statements.push(text.replace(/\s+/g, ' '));
      return query(...args);
    };
  });
  return { pool, statements };
}

const freshStore = (): Promise<PostgresMemoryStore> => openStore(embedder, { maxConnections: 4 });

describe.runIf(available)('postgres memory store', () => {
  it('filters every statement on memories and versions by bank, except the two cross-bank admin reads', async () => {
    const { pool, statements } = recordingPool();
    const store = await openStore(embedder, { pool });
    const mine = randomBankId('mine');
    const theirs = randomBankId('theirs');
    const secret = record(theirs, 'Their launch code is amber falcon');
    const replacement = record(theirs, 'Their launch code is now crimson heron', { supersedes: secret.id });
    await store.insert([secret], { nearDuplicateThreshold: 0.95 });
    await store.insert([replacement], { nearDuplicateThreshold: 0.95 });
    await store.insert([record(mine, 'My notes on gardening')], { nearDuplicateThreshold: 0.95 });
    statements.length = 0;

    const filter = { now: NOW, tags: ['x'], pathPrefix: 'a', from: new Date(0), to: NOW };
    expect(await store.get(mine, [replacement.id])).toEqual([]);
    expect(await store.findByHash(mine, replacement.contentHash)).toBeNull();
    expect(await store.vectorSearch([mine], replacement.embedding, 10, { now: NOW })).not.toContainEqual(
      expect.objectContaining({ id: replacement.id }),
    );
    expect(await store.keywordSearch([mine], ['launch', 'code'], 10, { now: NOW })).toEqual([]);
    await store.vectorSearch([mine], replacement.embedding, 10, filter);
    await store.keywordSearch([mine], ['launch'], 10, filter);
    expect((await store.list(mine, { limit: 10 })).items.map((m) => m.bankId)).toEqual([mine]);
    expect(await store.select(mine, { ids: [replacement.id] })).toEqual([]);
    expect(await store.select(mine, { all: true })).toHaveLength(1);
    expect(await store.history(mine, secret.id)).toEqual([]);
    expect(await store.erase(mine, [replacement.id], { action: 'forget', at: NOW })).toEqual([]);
    await store.insert([record(mine, 'More notes on compost')], { nearDuplicateThreshold: 0.95 });
    expect(await store.get(theirs, [replacement.id])).toHaveLength(1);
    expect((await store.history(theirs, secret.id)).map((v) => v.text)).toEqual([secret.text, secret.text]);

    const touching = statements.filter((s) => /\.(memories|memory_versions)\b/.test(s));
    expect(touching.length).toBeGreaterThan(10);
    // Reads, updates and deletes filter by bank; inserts (a memory's with its version rows in one) write rows whose
    // bank is a column of each new row.
    const isInsert = (s: string) => /^(WITH inserted AS \( )?INSERT/.test(s);
    for (const statement of touching.filter((s) => !isInsert(s))) {
      expect(statement, statement).toMatch(/bank_id = \$\d|m\.bank_id = [rb]\.bank_id|bank_id = ANY\(/);
    }
    for (const statement of touching.filter(isInsert)) expect(statement).toMatch(/\(bank_id, /);

    statements.length = 0;
    await store.banks();
    await store.expired(NOW, 10);
    expect(statements.filter((s) => /\.memories\b/.test(s) && !/bank_id\s*=/.test(s))).toHaveLength(2);
    await store.close();
    await pool.end();
  });

  it('erases text from every table that held it, down a chain of supersessions, leaving a tombstone per id named', async () => {
    const store = await freshStore();
    const bank = randomBankId();
    const v1 = record(bank, 'Patient record: Kalinda takes warfarin daily');
    const v2 = record(bank, 'Patient record: Kalinda switched from warfarin to apixaban', { supersedes: v1.id });
    const v3 = record(bank, 'Patient record: Kalinda stopped apixaban in May', { supersedes: v2.id });
    const other = record(bank, 'Clinic opens at eight');
    for (const r of [v1, v2, v3, other]) await store.insert([r], { nearDuplicateThreshold: null });
    expect(
      await store.erase(bank, [v3.id, v1.id], { action: 'forget', at: NOW, actor: 'dpo', reason: 'erasure request' }),
    ).toEqual([v3.id, v1.id]);

    const s = `"${store.schema}"`;
    const leftovers = await admin.query(
      `SELECT 'memories' AS t, text FROM ${s}.memories WHERE text ILIKE '%kalinda%'
       UNION ALL SELECT 'tsv', tsv::text FROM ${s}.memories WHERE tsv @@ plainto_tsquery('english', 'kalinda')
       UNION ALL SELECT 'versions', text FROM ${s}.memory_versions WHERE text ILIKE '%kalinda%'`,
    );
    expect(leftovers.rows).toEqual([]);
    const tombstones = await admin.query(
      `SELECT memory_id, action, text, tags, actor, reason FROM ${s}.memory_versions WHERE action = 'forget'`,
    );
    expect(tombstones.rows.sort((a, b) => a.memory_id.localeCompare(b.memory_id))).toEqual(
      [v3.id, v1.id].sort().map((id) => ({
        memory_id: id,
        action: 'forget',
        text: null,
        tags: null,
        actor: 'dpo',
        reason: 'erasure request',
      })),
    );
    expect((await store.history(bank, v1.id)).map((v) => [v.action, v.text])).toEqual([
      ['create', null],
      ['supersede', null],
      ['forget', null],
    ]);
    const { rows: tagged } = await admin.query(`SELECT memory_id FROM ${s}.memory_versions WHERE tags IS NOT NULL`);
    expect(tagged).toEqual([]);
    expect((await store.get(bank, [other.id]))[0]?.text).toBe('Clinic opens at eight');
    expect((await store.history(bank, other.id))[0]?.text).toBe('Clinic opens at eight');
    await store.close();
  });

  it('fills the limit of a filtered vector search even when the filter keeps a small fraction of the bank', async () => {
    const store = await freshStore();
    const bank = randomBankId();
    const common = Array.from({ length: 3000 }, (_, i) =>
      record(bank, `Routine log line ${i} about the weather station`),
    );
    const rare = Array.from({ length: 30 }, (_, i) =>
      record(bank, `Incident ${i}: pump ${i} failed at the reservoir`, { occurredAt: new Date('2020-03-01') }),
    );
    const outcomes = await store.insert([...common, ...rare], { nearDuplicateThreshold: null });
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    await admin.query(`ANALYZE "${store.schema}".memories`);
    const query = embedder.embedOne('weather station log');
    // The planner cannot estimate a range on COALESCE(occurred_at, created_at), so it walks the HNSW index; only a
    // scan that keeps going past ef_search (pgvector 0.8 iterative scans) reaches 20 of the 30 old memories.
    const hits = await store.vectorSearch([bank], query, 20, { now: NOW, to: new Date('2021-01-01') });
    expect(hits).toHaveLength(20);
    expect(new Set(hits.map((h) => h.id)).size).toBe(20);
    expect(hits.every((h) => rare.some((r) => r.id === h.id))).toBe(true);
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    await store.close();
  });

  it('finds near duplicates in a bank large enough to be searched through the HNSW index', async () => {
    const store = await freshStore();
    const bank = randomBankId();
    const small = randomBankId();
    const many = Array.from({ length: 2500 }, (_, i) =>
      record(bank, `Ledger ${i} closes with balance ${i * 97} in ${['May', 'June', 'July'][i % 3]}`),
    );
    expect((await store.insert(many, { nearDuplicateThreshold: null })).every((o) => o.status === 'stored')).toBe(true);
    const target = many[1234] as MemoryRecord;
    // Same words, new punctuation: another hash, the same local embedding.
    const echo = record(bank, `${target.text}!!`);
    const [outcome] = await store.insert([echo], { nearDuplicateThreshold: 0.95 });
    expect(outcome).toMatchObject({ status: 'duplicate', duplicateOf: target.id, match: 'near' });
    // A small bank beside it is compared exhaustively and gets the same answer.
    const seed = record(small, target.text);
    await store.insert([seed], { nearDuplicateThreshold: 0.95 });
    expect(
      (await store.insert([record(small, `${target.text}!!`)], { nearDuplicateThreshold: 0.95 }))[0],
    ).toMatchObject({
      status: 'duplicate',
      duplicateOf: seed.id,
    });
    await store.close();
  });

  it('checks one call across a large and a small bank through the index and exhaustively, sorting only with sorts on', async () => {
    const { pool, statements } = recordingPool();
    const store = await openStore(embedder, { pool });
    const bank = randomBankId();
    const small = randomBankId();
    const many = Array.from({ length: 2100 }, (_, i) =>
      record(bank, `Invoice ${i} of ${i * 31} euros due in week ${i % 52}`),
    );
    expect((await store.insert(many, { nearDuplicateThreshold: null })).every((o) => o.status === 'stored')).toBe(true);
    const target = many[777] as MemoryRecord;
    const seed = record(small, 'Invoices are paid on Fridays');
    await store.insert([seed], { nearDuplicateThreshold: null });
    statements.length = 0;
    const outcomes = await store.insert([record(small, `${seed.text}!!`), record(bank, `${target.text}!!`)], {
      nearDuplicateThreshold: 0.95,
    });
    expect(outcomes).toMatchObject([
      { status: 'duplicate', duplicateOf: seed.id, match: 'near' },
      { status: 'duplicate', duplicateOf: target.id, match: 'near' },
    ]);
    // A sort planned while enable_sort is off costs past the JIT thresholds (hundreds of ms to compile): the exact
    // scan of the small bank runs after the index lookup has turned it back on.
    const sortsOn = statements.findIndex((s) => s.includes("set_config('enable_sort', 'on'"));
    const exactScan = statements.findIndex((s) => s.includes('r.embedding) + 0'));
    expect(sortsOn).toBeGreaterThan(-1);
    expect(exactScan).toBeGreaterThan(sortsOn);
    await store.close();
    await pool.end();
  });

  it('lets a memory be superseded by a text that hashes the same', async () => {
    const store = await freshStore();
    const bank = randomBankId();
    const old = record(bank, 'Standup is at 9:30');
    await store.insert([old], { nearDuplicateThreshold: 0.95 });
    const again = record(bank, 'standup is at 9:30', { supersedes: old.id });
    expect(await store.insert([again], { nearDuplicateThreshold: 0.95 })).toEqual([{ status: 'stored', id: again.id }]);
    expect((await store.list(bank, { limit: 5 })).items.map((m) => m.id)).toEqual([again.id]);
    expect((await store.history(bank, old.id)).map((v) => v.action)).toEqual(['create', 'supersede']);
    await store.close();
  });

  it('treats tsquery syntax in keyword terms as plain words', async () => {
    const store = await freshStore();
    const bank = randomBankId();
    const target = record(bank, "O'Brien's team ships the parser on Friday");
    await store.insert([target, record(bank, 'Nothing relevant here')], { nearDuplicateThreshold: null });
    // A query's words name O'Brien as obrien, as the entry holds it; an apostrophe in a term is no quote either.
    for (const terms of [
      ['parser', '&', '!', '|'],
      ['obrien', "o'brien", ':*', '(', ')'],
      ['<->', 'parser:*A'],
    ]) {
      const hits = await store.keywordSearch([bank], terms, 5, { now: NOW });
      expect(
        hits.map((h) => h.id),
        terms.join(' '),
      ).toEqual([target.id]);
    }
    expect(await store.keywordSearch([bank], ['the', 'a'], 5, { now: NOW })).toEqual([]);
    await store.close();
  });

  it('matches path prefixes by whole segments', async () => {
    const store = await freshStore();
    const bank = randomBankId();
    const exact = record(bank, 'Decision one', { path: 'projects/apollo' });
    const child = record(bank, 'Decision two', { path: 'projects/apollo/decisions' });
    const sibling = record(bank, 'Decision three', { path: 'projects/apollonia' });
    const likeTrap = record(bank, 'Decision four', { path: 'projects/a_ollo' });
    await store.insert([exact, child, sibling, likeTrap], { nearDuplicateThreshold: null });
    const ids = async (pathPrefix: string) =>
      (await store.list(bank, { pathPrefix, limit: 10 })).items.map((m) => m.id).sort();
    expect(await ids('projects/apollo')).toEqual([exact.id, child.id].sort());
    expect(await ids('projects/apollo/')).toEqual([exact.id, child.id].sort());
    // Core's one rule: leading slashes and whitespace go too, and a prefix of nothing but slashes selects every path.
    expect(await ids('/projects/apollo/')).toEqual([exact.id, child.id].sort());
    expect(await ids(' /projects/apollo ')).toEqual([exact.id, child.id].sort());
    expect(await ids('/')).toEqual([exact.id, child.id, sibling.id, likeTrap.id].sort());
    expect(
      (await store.keywordSearch([bank], ['decision'], 10, { now: NOW, pathPrefix: '/projects/apollo/' }))
        .map((h) => h.id)
        .sort(),
    ).toEqual([exact.id, child.id].sort());
    expect(await ids('projects/a_ollo')).toEqual([likeTrap.id]);
    expect(
      (await store.vectorSearch([bank], exact.embedding, 10, { now: NOW, pathPrefix: 'projects/apollo' }))
        .map((h) => h.id)
        .sort(),
    ).toEqual([exact.id, child.id].sort());
    await store.close();
  });

  it('rejects text Postgres cannot store before touching the database', async () => {
    const store = await freshStore();
    const bank = randomBankId();
    const error = await store
      .insert([record(bank, 'fine'), record(bank, 'bad\u0000byte')], { nearDuplicateThreshold: null })
      .catch((e) => e);
    expect(error).toMatchObject({ code: 'invalid_input' });
    const nested = record(bank, 'fine', { metadata: { folders: [{ 'a\u0000b': 1 }] } });
    await expect(store.insert([nested], { nearDuplicateThreshold: null })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(await store.banks()).toEqual([]);
    // A backslash followed by u0000 is ordinary text, though JSON spells a real NUL the same way.
    const literal = record(bank, 'A path: C:\\u0000dir', { metadata: { dir: 'C:\\u0000dir' } });
    await store.insert([literal], { nearDuplicateThreshold: null });
    expect((await store.get(bank, [literal.id]))[0]?.metadata).toEqual({ dir: 'C:\\u0000dir' });
    await store.close();
  });

  it('works end to end through createPostgresBrain with a caller pool left open', async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
    const brain = await createPostgresBrain({ pool, schema: schemas.next() });
    const bankId = randomBankId();
    await brain.retain('The staging database lives in Frankfurt', { bankId, tags: ['infra'] });
    expect((await brain.recall('where is staging database', { bankId, tags: ['infra'] })).hits[0]?.text).toBe(
      'The staging database lives in Frankfurt',
    );
    await brain.close();
    await expect(pool.query('SELECT 1')).resolves.toBeTruthy();
    await pool.end();
  });
});
