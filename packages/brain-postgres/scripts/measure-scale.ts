/**
 * Measures the Postgres backend at growing bank sizes: retainMany throughput (near-duplicate check on, threshold
 * 0.95), recall latency p50/p95/p99, the same recall issued as raw pgvector + tsvector SQL (the overhead ratio),
 * recall@10 of the vector search against an exact scan, and whether planted near duplicates are caught.
 * Not a test: run `pnpm tsx packages/brain-postgres/scripts/measure-scale.ts [10000,100000]` with Postgres up.
 * URL from ASTROCYTE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); the schema is dropped after.
 */
import { randomBytes } from 'node:crypto';
import { Astrocyte, LocalEmbedder, searchTerms } from '@astrocyte/core';
import pg from 'pg';
import { vectorLiteral } from '../src/memory-rows.js';
import { openPostgresStore } from '../src/postgres-memory-store.js';

const url = process.env.ASTROCYTE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sizes = (process.argv[2] ?? '10000,100000').split(',').map(Number);
const BATCH = 1000;
const RECALLS = 300;
const WARMUP = 30;
const RECALL_AT_10_QUERIES = 100;
const PLANTED_DUPLICATES = 100;
const POOL = 40; // the candidate pool core's recall asks each search for at maxResults 10

// A deterministic generator, so that runs are comparable.
let seed = 42;
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const syllables = 'ka lo mi ren tas vu zel or pim sha dro ne qui bax fe gor'.split(' ');
const vocabulary = Array.from({ length: 5000 }, () =>
  Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * 16)]).join(''),
);
const word = () => vocabulary[Math.floor(random() * vocabulary.length)];
const sentence = (n: number) => Array.from({ length: n }, word).join(' ');

const schema = `astro_measure_${randomBytes(4).toString('hex')}`;
const embedder = new LocalEmbedder();
const store = await openPostgresStore({ connectionString: url, schema, maxConnections: 8 });
const brain = await Astrocyte.create({ store, embedder });
// Raw queries run on a pool of their own, with the session settings the store applies per statement.
const raw = new pg.Pool({ connectionString: url, max: 4 });
raw.on('connect', (client) => {
  client.query(`SET hnsw.ef_search = ${POOL}; SET hnsw.iterative_scan = relaxed_order`).catch(() => undefined);
});
const bankId = 'measure';
const texts: string[] = [];
const rows: Record<string, number | string>[] = [];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
const ms = (n: number) => n.toFixed(1);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

// The same work as a recall, as plain SQL: kNN over the HNSW index and ts_rank over the GIN index in parallel,
// then one fetch of the rows they found.
async function rawRecall(query: string, vector: Float32Array): Promise<void> {
  const m = `"${schema}".memories`;
  const literal = vectorLiteral(vector);
  const terms = searchTerms(query);
  const tsquery = terms.map((_, i) => `plainto_tsquery('english', $${i + 2})`).join(' || ');
  const [byVector, byKeyword] = await Promise.all([
    raw.query<{ id: string }>(
      `SELECT id, 1 - (embedding <=> $2::vector) AS score FROM ${m} WHERE bank_id = $1
        ORDER BY embedding::halfvec(384) <=> $2::vector::halfvec(384) LIMIT ${POOL}`,
      [bankId, literal],
    ),
    terms.length === 0
      ? { rows: [] as { id: string }[] }
      : raw.query<{ id: string }>(
          `SELECT id, ts_rank(tsv, q) AS score FROM ${m}, (SELECT ${tsquery} AS q) AS q
            WHERE bank_id = $1 AND tsv @@ q ORDER BY score DESC LIMIT ${POOL}`,
          [bankId, ...terms],
        ),
  ]);
  const ids = [...new Set([...byVector.rows, ...byKeyword.rows].map((r) => r.id))];
  await raw.query(
    `SELECT id, bank_id, text, tags, metadata, path, created_at, occurred_at, expires_at FROM ${m} WHERE bank_id = $1 AND id = ANY($2::text[])`,
    [bankId, ids],
  );
}

async function recallAt10(): Promise<number> {
  const now = new Date();
  let found = 0;
  for (let i = 0; i < RECALL_AT_10_QUERIES; i++) {
    const vector = embedder.embedOne(sentence(3));
    const approximate = await store.vectorSearch([bankId], vector, 10, { now });
    const { rows: exact } = await raw.query<{ id: string }>(
      `SELECT id FROM "${schema}".memories WHERE bank_id = $1 ORDER BY (embedding <=> $2::vector) + 0 LIMIT 10`,
      [bankId, vectorLiteral(vector)],
    );
    const hits = new Set(approximate.map((h) => h.id));
    found += exact.filter((r) => hits.has(r.id)).length;
  }
  return found / (RECALL_AT_10_QUERIES * 10);
}

try {
  for (const size of sizes) {
    let written = 0;
    const loading = await timed(async () => {
      while (texts.length < size) {
        const n = Math.min(BATCH, size - texts.length);
        const batch = Array.from(
          { length: n },
          (_, i) => `Note ${texts.length + i}: ${sentence(8 + Math.floor(random() * 8))}`,
        );
        const results = await brain.retainMany(
          batch.map((content) => ({ content })),
          { bankId },
        );
        texts.push(...batch);
        written += results.filter((r) => r.stored).length;
      }
    });
    // Same words with other punctuation: a new hash, the same embedding; each must be caught as a near duplicate.
    const planted = Array.from({ length: PLANTED_DUPLICATES }, () => ({
      content: `${texts[Math.floor(random() * texts.length)]}!!`,
    }));
    const caught = (await brain.retainMany(planted, { bankId })).filter((r) => r.deduplicated).length;

    const queries = Array.from({ length: RECALLS + WARMUP }, () => sentence(3));
    const library: number[] = [];
    const direct: number[] = [];
    for (const [i, query] of queries.entries()) {
      const libraryMs = await timed(() => brain.recall(query, { bankId, maxResults: 10 }));
      const vector = embedder.embedOne(query);
      const directMs = await timed(() => rawRecall(query, vector));
      if (i < WARMUP) continue;
      library.push(libraryMs);
      direct.push(directMs);
    }
    library.sort((a, b) => a - b);
    direct.sort((a, b) => a - b);
    rows.push({
      memories: size,
      'retainMany/s': Math.round(written / (loading / 1000)),
      'near dups caught': `${caught}/${PLANTED_DUPLICATES}`,
      'recall p50': ms(percentile(library, 50)),
      'recall p95': ms(percentile(library, 95)),
      'recall p99': ms(percentile(library, 99)),
      'raw p50': ms(percentile(direct, 50)),
      'raw p95': ms(percentile(direct, 95)),
      'overhead p50': (percentile(library, 50) / percentile(direct, 50)).toFixed(2),
      'overhead p95': (percentile(library, 95) / percentile(direct, 95)).toFixed(2),
      'recall@10': (await recallAt10()).toFixed(3),
    });
    console.table(rows);
  }
} finally {
  await brain.close();
  await raw.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await raw.end();
}
console.log(JSON.stringify({ backend: 'postgres', batch: BATCH, recalls: RECALLS, efSearch: POOL, rows }));
