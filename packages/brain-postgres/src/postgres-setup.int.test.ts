import { createHash, randomBytes } from 'node:crypto';
import { EmbedderMismatchError, LocalEmbedder, StorageError, ValidationError } from '@astrocyte/core';
import { dateWords, type EmbedderInfo } from '@astrocyte/core/backend';
import { axisVector, memoryRecord, randomBankId, retainHashedKinds } from '@astrocyte/core/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresBrain } from './create-postgres-brain.js';
import { vectorLiteral } from './memory-rows.js';
import { MIGRATIONS } from './migrations.js';
import { openPostgresStore } from './postgres-memory-store.js';
import { postgresTestFile, TEST_DATABASE_URL } from './testing-support/postgres-test-database.js';

const { available, schemas, admin } = await postgresTestFile();

const EMBEDDER = { name: 'test-embedder', dimensions: 16 };

/** Creates schema `s` (quoted) as a release that knew migrations up to `version` left it. */
async function migrateTo(version: number, s: string): Promise<void> {
  const client = await admin.connect();
  try {
    await client.query(`CREATE SCHEMA ${s}`);
    await client.query(
      `CREATE TABLE ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    for (const migration of MIGRATIONS.filter((m) => m.version <= version)) {
      await migration.up(client, s, 0);
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
  } finally {
    client.release();
  }
}

// The content hash the releases before version 3 stored: sha256 of the text NFKC-normalized and lower-cased.
const hashBeforeVersion3 = (text: string) =>
  createHash('sha256').update(text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()).digest('hex');

/**
 * Creates schema `s` (quoted) as the first release left it with `texts` stored in bank `b` by the local embedder of
 * `dimensions`: version 2, the old hashes, and vectors in which numbers weighed less (the vector of the text without
 * them stands in). Returns the memories' ids, in the order of `texts`.
 */
// A schema at `version` with what ensureEmbedder added before it recorded its steps in the schema: the embedding
// column, its HNSW index and the embedder's record.
async function migrateWithEmbedding(version: number, s: string, embedder: EmbedderInfo): Promise<void> {
  await migrateTo(version, s);
  const { dimensions } = embedder;
  await admin.query(`ALTER TABLE ${s}.memories ADD COLUMN embedding vector(${dimensions}) NOT NULL`);
  await admin.query(
    `CREATE INDEX memories_embedding_hnsw_idx ON ${s}.memories
       USING hnsw ((embedding::halfvec(${dimensions})) halfvec_cosine_ops) WITH (m = 12, ef_construction = 48)`,
  );
  await admin.query(`INSERT INTO ${s}.meta (key, value) VALUES ('embedder', $1)`, [
    JSON.stringify({ ...embedder, columnType: 'vector', index: 'halfvec' }),
  ]);
}

async function storedByFirstRelease(
  s: string,
  dimensions: number,
  texts: { text: string; tags?: string[]; occurredAt?: string }[],
): Promise<string[]> {
  await migrateWithEmbedding(2, s, { name: 'local-hash-v1', dimensions });
  const embedder = new LocalEmbedder({ dimensions });
  const ids = texts.map((_, i) => `m${i}`);
  for (const [i, { text, tags = [], occurredAt = null }] of texts.entries()) {
    const vector = vectorLiteral(embedder.embedOne(text.replace(/\d+/g, '')));
    await admin.query(
      `INSERT INTO ${s}.memories (id, bank_id, text, content_hash, tags, created_at, occurred_at, embedding)
       VALUES ($1, 'b', $2, $3, $4, now(), $5, $6)`,
      [ids[i], text, hashBeforeVersion3(text), tags, occurredAt, vector],
    );
    await admin.query(
      `INSERT INTO ${s}.memory_versions (bank_id, memory_id, version, action, text, at)
       VALUES ('b', $1, 1, 'create', $2, now())`,
      [ids[i], text],
    );
  }
  return ids;
}

describe.runIf(available)('postgres schema setup', () => {
  it('migrates once when several stores open the same new schema at the same moment', async () => {
    const schema = schemas.next();
    const stores = await Promise.all(
      Array.from({ length: 8 }, () =>
        openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 2 }),
      ),
    );
    await Promise.all(stores.map((s) => s.ensureEmbedder(EMBEDDER)));
    const { rows } = await admin.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const columns = await admin.query(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = $1::regclass AND attname = 'embedding'`,
      [`"${schema}".memories`],
    );
    expect(columns.rows).toEqual([{ type: 'vector(16)' }]);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('with mustExist, opens a schema that holds a store and refuses one that does not, creating nothing', async () => {
    const schema = schemas.next();
    const error = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, mustExist: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'storage_database_missing', details: { schema } });
    const { rows } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    expect(rows).toEqual([]);
    const created = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    await created.ensureEmbedder(EMBEDDER);
    await created.insert([memoryRecord('b', 'kept', { embedding: axisVector(16, 1), createdAt: new Date() })], {
      nearDuplicateThreshold: null,
    });
    await created.close();
    const reopened = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, mustExist: true });
    expect((await reopened.list('b', { limit: 10 })).items.map((m) => m.text)).toEqual(['kept']);
    await reopened.close();
  });

  it('createPostgresBrain refuses bad brain settings before it creates or migrates the schema', async () => {
    const schema = schemas.next();
    for (const options of [{ recall: { vectorWeigth: 0.5 } }, { dedup: { nearThreshold: 2 } }]) {
      const error = await createPostgresBrain({
        connectionString: TEST_DATABASE_URL,
        schema,
        ...options,
      } as never).catch((e: unknown) => e);
      expect(ValidationError.isInstance(error)).toBe(true);
    }
    const { rows } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    expect(rows).toEqual([]);
  });

  it('keeps embeddings and tsvectors inside the row rather than in the TOAST table', async () => {
    const schema = schemas.next();
    const brain = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema });
    const words = 'amber basil cedar delta ember fjord garnet harbor indigo juniper kestrel lagoon'.split(' ');
    await brain.retainMany(
      Array.from({ length: 50 }, (_, i) => ({ content: `Note ${i}: ${words.map((w) => `${w}${i}`).join(' ')}` })),
      { bankId: 'toast' },
    );
    const { rows } = await admin.query(
      `SELECT (SELECT count(*) FROM "${schema}".memories) AS rows,
              pg_column_size(m.*) > 2032 AS over_default_target,
              (SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = $1::regclass) AS toast_bytes
         FROM "${schema}".memories m LIMIT 1`,
      [`"${schema}".memories`],
    );
    // Rows past the default 2 kB target, and still nothing in the TOAST table.
    expect(rows).toEqual([{ rows: '50', over_default_target: true, toast_bytes: '0' }]);
    await brain.close();
  });

  it('upgrades a schema written by the first release: whole rows, no pending list on the keyword index', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    // The schema as release 0.1.0 left it: migration 1 only, GIN with the default fastupdate.
    await migrateTo(1, s);
    const options = async (relation: string) =>
      (await admin.query(`SELECT reloptions FROM pg_class WHERE oid = $1::regclass`, [`${s}.${relation}`])).rows[0]
        ?.reloptions;
    expect(await options('memories_tsv_idx')).toBeNull();
    expect(await options('memories')).toBeNull();

    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    expect(await options('memories_tsv_idx')).toEqual(['fastupdate=off']);
    expect(await options('memories')).toEqual(['toast_tuple_target=8160']);
    const { rows } = await admin.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await store.close();
  });

  it('upgrades a schema with superseded memories: chains find them without tags, erase reaches them', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    await migrateTo(3, s);
    const bank = randomBankId();
    const created = new Date('2026-05-01T12:00:00Z');
    await admin.query(
      `INSERT INTO ${s}.memory_versions (bank_id, memory_id, version, action, text, related_id, at)
       VALUES ($1, 'old', 1, 'create', 'Ada lives in Paris', NULL, $2),
              ($1, 'old', 2, 'supersede', 'Ada lives in Paris', 'new', $3)`,
      [bank, created, new Date('2026-06-01T12:00:00Z')],
    );
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    expect(await store.chains(bank, { before: new Date('2026-05-02T00:00:00Z') })).toEqual([
      { id: 'old', tags: [], createdAt: created, supersededBy: 'new', documentId: null, selected: true },
    ]);
    expect(await store.erase(bank, ['old'], { action: 'forget', at: new Date() })).toEqual(['old']);
    expect((await store.history(bank, 'old')).map((v) => [v.action, v.text])).toEqual([
      ['create', null],
      ['supersede', null],
      ['forget', null],
    ]);
    await store.close();
  });

  it('upgrades a schema holding memories to conversations: each keyword entry rebuilt from its row, the indexes kept', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    await migrateWithEmbedding(2, s, EMBEDDER);
    const bank = randomBankId();
    const created = new Date('2026-06-01T12:00:00Z');
    const occurred = new Date('2023-05-08T09:30:00Z');
    // More rows than the rebuild reads at a time; every third one with the date it happened.
    await admin.query(
      `INSERT INTO ${s}.memories (id, bank_id, text, content_hash, created_at, occurred_at, embedding)
       SELECT 'm' || i, $1, 'Ledger entry ' || i || ' for the harbour office', md5(i::text), $2,
              CASE WHEN i % 3 = 0 THEN $3::timestamptz END,
              (SELECT array_agg(sin(i * g)) FROM generate_series(1, 16) AS g)::vector
         FROM generate_series(1, 2500) AS i`,
      [bank, created, occurred],
    );
    const definition = async (index: string) =>
      (await admin.query(`SELECT pg_get_indexdef($1::regclass) AS def`, [`${s}.${index}`])).rows[0]?.def;
    const graph = await definition('memories_embedding_hnsw_idx');

    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    const { rows: entries } = await admin.query(
      `SELECT count(*) FILTER (WHERE tsv = setweight(to_tsvector('english', text), 'A')
                 || setweight(to_tsvector('english', CASE WHEN occurred_at IS NULL THEN $1 ELSE $2 END), 'C')) AS rebuilt,
              count(*) AS total
         FROM ${s}.memories`,
      [dateWords(created), dateWords(occurred)],
    );
    expect(entries).toEqual([{ rebuilt: '2500', total: '2500' }]);
    const mayHits = await store.keywordSearch([bank], ['may'], 5000, { now: created });
    expect(mayHits).toHaveLength(833);
    expect(await definition('memories_embedding_hnsw_idx')).toBe(graph);
    expect(await definition('memories_tsv_idx')).toMatch(/USING gin \(tsv\) WITH \(fastupdate='?off'?\)/);
    const { rows: columns } = await admin.query(
      `SELECT attname, attnotnull, attgenerated FROM pg_attribute
        WHERE attrelid = $1::regclass AND attname IN ('tsv', 'speaker', 'episode_id', 'episode_position', 'document_id')
        ORDER BY attname`,
      [`${s}.memories`],
    );
    expect(columns.map((c) => [c.attname, c.attnotnull, c.attgenerated])).toEqual([
      ['document_id', false, ''],
      ['episode_id', false, ''],
      ['episode_position', false, ''],
      ['speaker', false, ''],
      ['tsv', true, ''],
    ]);
    const { rows } = await admin.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await store.close();
  });

  it('upgrades a schema holding memories to re-embedding: staged vectors, deleted with their memory', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    await migrateTo(4, s);
    await admin.query(`ALTER TABLE ${s}.memories ADD COLUMN embedding vector(16) NOT NULL`);
    await admin.query(`INSERT INTO ${s}.meta (key, value) VALUES ('embedder', $1)`, [
      JSON.stringify({ ...EMBEDDER, columnType: 'vector' }),
    ]);
    const bank = randomBankId();
    await admin.query(
      `INSERT INTO ${s}.memories (id, bank_id, text, content_hash, created_at, tsv, embedding)
       SELECT 'm' || i, $1, 'note ' || i, md5(i::text), now(), to_tsvector('note'),
              (SELECT array_agg(sin(i * g)) FROM generate_series(1, 16) AS g)::vector
         FROM generate_series(1, 3) AS i`,
      [bank],
    );
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    const target = { name: 'test-embedder-next', dimensions: 4 };
    await store.reembedding.begin(target);
    const { items } = await store.reembedding.pending(null, 10);
    expect(items.map((item) => item.id)).toEqual(['m1', 'm2', 'm3']);
    await store.reembedding.stage(
      target,
      items.map((item) => ({ ...item, embedding: new Float32Array([1, 0, 0, 0]) })),
    );
    await store.erase(bank, ['m2'], { action: 'forget', at: new Date() });
    expect((await admin.query(`SELECT memory_id FROM ${s}.reembed_vectors ORDER BY memory_id`)).rows).toEqual([
      { memory_id: 'm1' },
      { memory_id: 'm3' },
    ]);
    const { rows } = await admin.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await store.close();
  });

  it('upgrades a schema holding memories to access control: they stay, and the ledger adds and records', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    await migrateTo(5, s);
    const bank = randomBankId();
    await admin.query(
      `INSERT INTO ${s}.memories (id, bank_id, text, content_hash, created_at, tsv)
       SELECT 'm' || i, $1, 'note ' || i, md5(i::text), now(), to_tsvector('note') FROM generate_series(1, 3) AS i`,
      [bank],
    );
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    expect(await store.banks()).toEqual([{ bankId: bank, memoryCount: 3 }]);
    const window = new Date('2026-06-01T12:00:00Z');
    expect(await store.accessLedger.addToCounter(`ops:${bank}`, window, 2, window)).toBe(2);
    const entry = {
      at: window,
      principal: 'user:alice',
      onBehalfOf: null,
      action: 'forget_all',
      bankId: bank,
      permission: 'admin' as const,
      outcome: 'allowed' as const,
      details: { count: 3 },
    };
    await store.accessLedger.appendAudit(entry);
    expect((await store.accessLedger.listAudit({ bankId: bank, limit: 10 })).items).toEqual([
      { ...entry, id: expect.any(String) },
    ]);
    const { rows } = await admin.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await store.close();
  });

  it('upgrades a schema holding memories to ranking by own length: old rows ranked by a length computed as they are', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    await migrateTo(6, s);
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    await store.ensureEmbedder(EMBEDDER);
    const bank = randomBankId();
    // A row as a release before version 7 wrote it, without keyword_length: a note with the word among many.
    const note =
      'Shopping list for the weekend: bread, milk, apples, a kayak paddle, sun cream, rope, two folding chairs';
    await admin.query(
      `INSERT INTO ${s}.memories (id, bank_id, text, content_hash, created_at, embedding, tsv)
       VALUES ('old-note', $1, $2, 'h1', now(), $3, setweight(to_tsvector('english', $2), 'A'))`,
      [bank, note, `[${axisVector(EMBEDDER.dimensions, 1).join(',')}]`],
    );
    // Written now: a short answer between two long turns.
    const ramble = (topic: string) =>
      Array.from({ length: 60 }, (_, i) => `${topic} detail ${i} went on and on`).join(', ');
    const turns = [ramble('garden'), 'I bought a kayak.', ramble('weather')].map((text, i) =>
      memoryRecord(bank, text, {
        embedding: axisVector(EMBEDDER.dimensions, i + 2),
        createdAt: new Date(),
        speaker: 'Ann',
        episodeId: 'chat',
      }),
    );
    await store.insert(turns, { nearDuplicateThreshold: null });
    const { rows: lengths } = await admin.query(`SELECT keyword_length FROM ${s}.memories ORDER BY seq`);
    expect(lengths.map((r) => r.keyword_length === null)).toEqual([true, false, false, false]);
    // The old note is measured by its words too: taken as one word long, it would rank first.
    const hits = await store.keywordSearch([bank], ['kayak'], 10, { now: new Date() });
    expect(hits.map((h) => h.memory?.text).slice(0, 2)).toEqual(['I bought a kayak.', note]);
    const { rows } = await admin.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await store.close();
  });

  it("gives the turns stored before version 8 their session's prefix, so the same transcript is found again", async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    const hashes = async () =>
      (await admin.query(`SELECT id, content_hash FROM ${s}.memories ORDER BY seq`)).rows as unknown[];
    const written = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema });
    expect((await retainHashedKinds(written, 'b')).every((r) => r.stored)).toBe(true);
    await written.close();
    const current = await hashes();
    // As a release before version 8 left them: the turns' hashes (the 72-character ones) without the prefix. Five
    // turns, the long one in two or more chunks.
    const stripped = await admin.query(
      `UPDATE ${s}.memories SET content_hash = substr(content_hash, 9) WHERE length(content_hash) = 72`,
    );
    expect(stripped.rowCount).toBeGreaterThanOrEqual(6);
    await admin.query(`DELETE FROM ${s}.schema_migrations WHERE version = 8`);

    const brain = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema });
    expect(await hashes()).toEqual(current);
    const again = await retainHashedKinds(brain, 'b');
    expect(again.map((r) => r.reason)).toEqual(again.map(() => 'the same content is already in memory'));
    // The HNSW graph, dropped for the rewrite, is there again.
    const { rows } = await admin.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1`, [schema]);
    expect(rows.map((r) => r.indexdef).join('\n')).toMatch(/USING hnsw/);
    await brain.close();
  });

  it('finds repeats and corrections of memories stored by the first release, whose vectors are computed again', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    const at = '2025-06-01T00:00:00.000Z';
    const texts = [
      { text: 'Bob now prefers black coffee', tags: ['bob'] },
      { text: 'Bob used to drink green tea', tags: ['bob'] },
      { text: 'Meeting with the auditors at 3pm on 2025-06-02', occurredAt: at },
      { text: 'Filler fact number 3 about kumquat orchards 21' },
    ];
    const [coffee, tea, meeting, kumquats] = await storedByFirstRelease(s, 64, texts);
    const embedder = new LocalEmbedder({ dimensions: 64 });

    const brain = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema, embedder });
    for (const { text } of texts) {
      const { rows } = await admin.query(
        `SELECT 1 - (embedding <=> $2::vector) AS similarity FROM ${s}.memories WHERE text = $1`,
        [text, vectorLiteral(embedder.embedOne(text))],
      );
      expect(rows[0]?.similarity).toBeCloseTo(1, 6);
    }
    expect(await brain.retain(texts[2]?.text as string, { bankId: 'b', occurredAt: at })).toMatchObject({
      deduplicated: true,
      duplicateOf: meeting,
    });
    expect(
      await brain.retain('Bob now prefers black coffee', { bankId: 'b', tags: ['bob'], supersedes: tea as string }),
    ).toMatchObject({ deduplicated: true, duplicateOf: coffee });
    // A near repeat: found by its vector, which lies beside the stored one again.
    expect(await brain.retain('Filler fact number 3 about the kumquat orchards 21', { bankId: 'b' })).toMatchObject({
      deduplicated: true,
      duplicateOf: kumquats,
    });
    expect((await brain.list('b')).items).toHaveLength(3);
    const { rows } = await admin.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1`, [schema]);
    expect(rows.map((r) => r.indexdef).join('\n')).toMatch(/USING hnsw/);
    await brain.close();
  });

  it('keeps both rows when an old memory’s new hash is already held by its repeat, stored after version 3', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    await store.ensureEmbedder(EMBEDDER);
    const text = 'Bob now prefers black coffee';
    const fields = { embedding: axisVector(16, 0), createdAt: new Date() };
    const before = memoryRecord('b', text, { ...fields, contentHash: hashBeforeVersion3(text) });
    const repeat = memoryRecord('b', text, fields);
    const other = memoryRecord('b', 'Alice drinks tea', {
      ...fields,
      contentHash: hashBeforeVersion3('Alice drinks tea'),
    });
    await store.insert([before, repeat, other], { nearDuplicateThreshold: null });
    await store.close();
    // As a release before version 10 left it.
    await admin.query(`DELETE FROM ${s}.schema_migrations WHERE version >= 10`);

    const upgraded = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    const { rows } = await admin.query(`SELECT id, content_hash FROM ${s}.memories ORDER BY seq`);
    expect(rows).toEqual([
      { id: before.id, content_hash: hashBeforeVersion3(text) },
      { id: repeat.id, content_hash: repeat.contentHash },
      { id: other.id, content_hash: memoryRecord('b', 'Alice drinks tea', fields).contentHash },
    ]);
    await upgraded.close();
  });

  it('refuses an older schema opened with another embedder before it upgrades it, leaving it as it was', async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    await storedByFirstRelease(s, 64, [{ text: 'Mina runs the Tuesday standup' }]);
    const snapshot = async () =>
      (
        await admin.query(
          `SELECT (SELECT array_agg(version ORDER BY version) FROM ${s}.schema_migrations) AS versions,
                  (SELECT array_agg(attname::text ORDER BY attname) FROM pg_attribute
                    WHERE attrelid = '${s}.memories'::regclass AND attnum > 0 AND NOT attisdropped) AS columns,
                  (SELECT array_agg(indexdef ORDER BY indexdef) FROM pg_indexes WHERE schemaname = $1) AS indexes,
                  (SELECT array_agg(m::text ORDER BY id) FROM ${s}.memories m) AS memories`,
          [schema],
        )
      ).rows[0];
    const before = await snapshot();
    const error = await createPostgresBrain({
      connectionString: TEST_DATABASE_URL,
      schema,
      embedder: new LocalEmbedder({ dimensions: 32 }),
    }).catch((e) => e);
    expect(EmbedderMismatchError.isInstance(error)).toBe(true);
    expect(await snapshot()).toEqual(before);
    expect(before.versions).toEqual([1, 2]);
  });

  it("upgrades a schema holding memories to keyword entries of core's words: parts of paths found, as a write now makes them", async () => {
    const schema = schemas.next();
    const s = `"${schema}"`;
    await migrateWithEmbedding(9, s, EMBEDDER);
    const bank = randomBankId();
    const created = new Date('2026-06-01T12:00:00Z');
    // Rows as a release before version 10 wrote them: to_tsvector of the text as it is (the path one token), the
    // date in words, a turn's neighbour, and the length of the entry's own text and date. More rows than the
    // rebuild reads at a time; the last two a conversation, Ann's question answered by Ben's path.
    const builds = Array.from({ length: 2500 }, (_, i) => ({ text: `Build ${i} is at /srv/builds/release-${i}.tar` }));
    const turns = [
      { text: 'Where are the deploy logs?', speaker: 'Ann', neighbour: 'In /var/log/deployer/app.log' },
      { text: 'In /var/log/deployer/app.log', speaker: 'Ben', neighbour: 'Where are the deploy logs?' },
    ];
    const rows = [...builds, ...turns.map((turn, position) => ({ ...turn, position, episode_id: 'chat' }))];
    await admin.query(
      `INSERT INTO ${s}.memories (id, bank_id, text, content_hash, created_at, speaker, episode_id, episode_position,
                                  embedding, tsv, keyword_length)
       SELECT 'm' || r.i, $1, r.text, md5(r.text), $2, r.speaker, r.episode_id, r.position,
              (SELECT array_agg(sin(r.i * g)) FROM generate_series(1, 16) AS g)::vector, e.tsv,
              length(ts_filter(e.tsv, '{a,c}'))
         FROM jsonb_to_recordset($3::jsonb)
              AS r(i integer, text text, speaker text, position integer, neighbour text, episode_id text),
              LATERAL (SELECT setweight(to_tsvector('english', coalesce(r.speaker || ': ', '') || r.text), 'A')
                           || setweight(to_tsvector('english', $4), 'C')
                           || setweight(to_tsvector('english', coalesce(r.neighbour, '')), 'D') AS tsv) AS e`,
      [bank, created, JSON.stringify(rows.map((row, i) => ({ ...row, i }))), dateWords(created)],
    );
    const definition = async (index: string) =>
      (await admin.query(`SELECT pg_get_indexdef($1::regclass) AS def`, [`${s}.${index}`])).rows[0]?.def;
    const graph = await definition('memories_embedding_hnsw_idx');

    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
    const found = async (term: string) =>
      (await store.keywordSearch([bank], [term], 5000, { now: created })).map((h) => h.memory?.text ?? h.id);
    expect(await found('builds')).toHaveLength(2500);
    expect(await found('tar')).toHaveLength(2500);
    expect(new Set(await found('deployer'))).toEqual(new Set(turns.map((turn) => turn.text)));
    // Each entry and its length as a write now makes them: the same rows written again in another bank.
    const again = randomBankId();
    await store.insert(
      [
        memoryRecord(again, builds[0]?.text ?? '', {
          embedding: axisVector(EMBEDDER.dimensions, 0),
          createdAt: created,
        }),
        ...turns.map((turn, i) =>
          memoryRecord(again, turn.text, {
            embedding: axisVector(EMBEDDER.dimensions, i + 1),
            createdAt: created,
            speaker: turn.speaker,
            episodeId: 'chat',
          }),
        ),
      ],
      { nearDuplicateThreshold: null },
    );
    const { rows: entries } = await admin.query(
      `SELECT b.text, a.tsv = b.tsv AND a.keyword_length = b.keyword_length AS same FROM ${s}.memories a
         JOIN ${s}.memories b ON b.bank_id = $2 AND b.text = a.text WHERE a.bank_id = $1 ORDER BY b.seq`,
      [bank, again],
    );
    expect(entries).toEqual([builds[0], ...turns].map((row) => ({ text: row?.text, same: true })));
    expect(await definition('memories_embedding_hnsw_idx')).toBe(graph);
    const { rows: versions } = await admin.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
    expect(versions.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await store.close();
  });

  it('creates the HNSW, GIN and unique indexes the design promises', async () => {
    const schema = schemas.next();
    const store = await openPostgresStore({
      connectionString: TEST_DATABASE_URL,
      schema,
      hnsw: { m: 12, efConstruction: 48 },
    });
    await store.ensureEmbedder(EMBEDDER);
    const { rows } = await admin.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1`, [
      schema,
    ]);
    const defs = rows.map((r) => r.indexdef).join('\n');
    // The graph holds 16-bit copies of the embeddings: the index is on the cast, the column keeps full precision.
    expect(defs).toMatch(
      /USING hnsw \(\(\(embedding\)::(\S+\.)?halfvec\(16\)\) (\S+\.)?halfvec_cosine_ops\) WITH \(m='?12'?, ef_construction='?48'?\)/,
    );
    expect(defs).toMatch(/memories USING gin \(tsv\) WITH \(fastupdate='?off'?\)/);
    expect(defs).toMatch(/memories USING gin \(tags\)/);
    expect(defs).toMatch(/UNIQUE INDEX memories_bank_content_hash_key ON .*\(bank_id, content_hash\)/);
    await store.close();
    await expect(store.banks()).rejects.toMatchObject({ code: 'store_closed' });
  });

  it('refuses another embedder or dimension at open, saying what is stored and what is configured', async () => {
    const schema = schemas.next();
    const first = await createPostgresBrain({
      connectionString: TEST_DATABASE_URL,
      schema,
      embedder: new LocalEmbedder({ dimensions: 64 }),
    });
    await first.retain('Mina runs the Tuesday standup', { bankId: 'team' });
    await first.close();
    const error = await createPostgresBrain({
      connectionString: TEST_DATABASE_URL,
      schema,
      embedder: new LocalEmbedder({ dimensions: 128 }),
    }).catch((e) => e);
    expect(EmbedderMismatchError.isInstance(error)).toBe(true);
    expect(error.details).toEqual({
      stored: { name: 'local-hash-v1', dimensions: 64 },
      configured: { name: 'local-hash-v1', dimensions: 128 },
    });
    const again = await createPostgresBrain({
      connectionString: TEST_DATABASE_URL,
      schema,
      embedder: new LocalEmbedder({ dimensions: 64 }),
    });
    expect((await again.recall('standup', { bankId: 'team' })).hits).toHaveLength(1);
    await again.close();
  });

  it('stores embeddings above 2,000 dimensions as halfvec, which HNSW can index', async () => {
    const schema = schemas.next();
    const brain = await createPostgresBrain({
      connectionString: TEST_DATABASE_URL,
      schema,
      embedder: new LocalEmbedder({ dimensions: 3072 }),
    });
    const { memoryId } = await brain.retain('Large embeddings still work', { bankId: 'big' });
    expect((await brain.recall('large embeddings', { bankId: 'big' })).hits[0]?.memoryId).toBe(memoryId);
    const { rows } = await admin.query(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%hnsw%'`,
      [schema],
    );
    expect(rows[0]?.indexdef).toContain('halfvec_cosine_ops');
    await brain.close();
  });

  it('opens an up-to-date schema on a read-only connection, as on a replica: reads work, writes say read-only', async () => {
    const schema = schemas.next();
    const writer = await createPostgresBrain({ connectionString: TEST_DATABASE_URL, schema });
    await writer.retain('Replicas serve the reads', { bankId: 'ops' });
    await writer.close();
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('options', '-c default_transaction_read_only=on');
    const reader = await createPostgresBrain({ connectionString: url.toString(), schema });
    expect((await reader.recall('replicas reads', { bankId: 'ops' })).hits.map((h) => h.text)).toEqual([
      'Replicas serve the reads',
    ]);
    await expect(reader.retain('A new fact', { bankId: 'ops' })).rejects.toMatchObject({ code: 'storage_read_only' });
    await reader.close();
  });

  it('refuses a schema written by a newer release', async () => {
    const schema = schemas.next();
    await (await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })).close();
    await admin.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'from the future')`);
    const error = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema }).catch((e) => e);
    expect(error).toMatchObject({ code: 'schema_too_new', details: { version: 999 } });
  });

  it('reports pool exhaustion as pool_exhausted, not as an unreachable server', async () => {
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1, connectionTimeoutMillis: 250 });
    const store = await openPostgresStore({ pool, schema: schemas.next() });
    const held = await pool.connect();
    try {
      const error = await store.banks().catch((e) => e);
      expect(StorageError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'pool_exhausted', details: { maxConnections: 1 } });
    } finally {
      held.release();
    }
    expect(await store.banks()).toEqual([]);
    await store.close();
    await pool.end();
  });

  it('sets up a schema a DBA created for a role without CREATE on the database', async () => {
    const schema = schemas.next();
    const role = `astro_schema_only_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`GRANT USAGE, CREATE ON SCHEMA "${schema}" TO ${role}`);
    try {
      const { rows } = await admin.query(
        'SELECT has_database_privilege($1, current_database(), $2) AS create_on_database',
        [role, 'CREATE'],
      );
      expect(rows).toEqual([{ create_on_database: false }]);
      const url = new URL(TEST_DATABASE_URL);
      url.username = role;
      const brain = await createPostgresBrain({ connectionString: url.toString(), schema });
      await brain.retain('The DBA owns the database, the app its tables', { bankId: 'ops' });
      expect((await brain.recall('who owns the tables', { bankId: 'ops' })).hits.map((h) => h.text)).toEqual([
        'The DBA owns the database, the app its tables',
      ]);
      await brain.close();
    } finally {
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
    }
  });

  it('explains how to fix a database without the vector extension', async () => {
    // pgvector is not a trusted extension: a role that is not superuser cannot create it in a new database. This
    // server has pgvector's files, so this is the "installed but not created here" case; a server without them
    // fails the same CREATE EXTENSION, and its message is checked in storage-errors.test.ts.
    const suffix = randomBytes(4).toString('hex');
    const database = `astro_noext_${suffix}`;
    const role = `astro_limited_${suffix}`;
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
    try {
      const url = new URL(TEST_DATABASE_URL);
      url.username = role;
      url.pathname = `/${database}`;
      const error = await openPostgresStore({ connectionString: url.toString() }).catch((e) => e);
      expect(error).toMatchObject({
        code: 'vector_extension_missing',
        details: { database, installedOnServer: true, fix: expect.stringContaining('as a superuser') },
      });
      expect(error.message).toContain(`run CREATE EXTENSION vector; in database "${database}" as a superuser`);
      expect(error.message).not.toContain('install pgvector on the server');
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
  });
});
