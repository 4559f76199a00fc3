import { ValidationError } from '@astrocyte/core';
import type { EmbedderInfo } from '@astrocyte/core/backend';
import type pg from 'pg';

// HNSW on `vector` stops at 2,000 dimensions; `halfvec` (16-bit floats) carries it to 4,000.
const MAX_VECTOR_DIMENSIONS = 2000;
const MAX_HALFVEC_DIMENSIONS = 4000;

/** Double-quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Qualified names a store's statements use, fixed at open from its schema and pgvector's schema. */
export interface StoreSql {
  /** The unquoted schema name, used in advisory lock keys. */
  schema: string;
  memories: string;
  versions: string;
  meta: string;
  /** The staged vectors of a re-embedding in progress. */
  staged: string;
  /** Access control's rate-limit and quota counters, and its audit log. */
  accessCounters: string;
  accessAudit: string;
  /** The qualified vector type of the embedding column (`vector` or, above 2,000 dimensions, `halfvec`). */
  vectorType: string;
  /** The qualified cosine distance operator, so that it resolves whatever the search_path. */
  distance: string;
  /**
   * The cast the HNSW index applies to the embedding (`::halfvec(N)`), or '' when it indexes the column itself. A
   * query walks the index only when it orders by exactly this expression, on the column and on the query vector.
   */
  indexCast: string;
}

/** The names of a store whose embedder is recorded, with the embeddings' dimension. */
export interface EmbeddedSql extends StoreSql {
  dimensions: number;
}

/** What the meta table records about the embedder that wrote the store. */
export interface StoredEmbedder extends EmbedderInfo {
  columnType: 'vector' | 'halfvec';
  /**
   * `halfvec`: the HNSW index holds the embeddings cast to 16-bit floats, half the size of the graph for the same
   * recall (stores created before this field index the column itself).
   */
  index?: 'halfvec';
}

/**
 * The names of a schema's tables and, from the embedder, of its vector type and index cast. Statements that do not
 * touch embeddings need no embedder: the table names are all they use. `extensionSchema` is pgvector's, quoted.
 */
export function storeSql(schema: string, extensionSchema: string, embedder?: StoredEmbedder): StoreSql {
  const s = quoteIdent(schema);
  return {
    schema,
    memories: `${s}.memories`,
    versions: `${s}.memory_versions`,
    meta: `${s}.meta`,
    staged: `${s}.reembed_vectors`,
    accessCounters: `${s}.access_counters`,
    accessAudit: `${s}.access_audit`,
    vectorType: `${extensionSchema}.${embedder?.columnType ?? 'vector'}`,
    distance: `OPERATOR(${extensionSchema}.<=>)`,
    indexCast:
      embedder?.columnType === 'vector' && embedder.index === 'halfvec'
        ? `::${extensionSchema}.halfvec(${embedder.dimensions})`
        : '',
  };
}

/** The distance the HNSW index orders by, between `m.embedding` and the vector in `vector` (SQL of the column type). */
export function indexedDistanceSql(sql: StoreSql, vector: string): string {
  return `m.embedding${sql.indexCast} ${sql.distance} (${vector})${sql.indexCast}`;
}

/** Refuses a dimension pgvector cannot index. */
export function checkEmbedderInfo(info: EmbedderInfo): void {
  if (!Number.isInteger(info.dimensions) || info.dimensions < 1 || info.dimensions > MAX_HALFVEC_DIMENSIONS) {
    throw new ValidationError(
      'embedder.dimensions',
      `must be an integer from 1 to ${MAX_HALFVEC_DIMENSIONS} for pgvector, got ${info.dimensions}`,
    );
  }
}

/** The embedder recorded in the schema's meta table, if any. */
export async function readEmbedder(
  client: pg.ClientBase | pg.Pool,
  schema: string,
): Promise<StoredEmbedder | undefined> {
  const { rows } = await client.query<{ value: StoredEmbedder }>(
    `SELECT value FROM ${quoteIdent(schema)}.meta WHERE key = 'embedder'`,
  );
  return rows[0]?.value;
}

/** What the meta table records for `info`: the column type its dimension needs, indexed as halfvec. */
export function storedEmbedder(info: EmbedderInfo): StoredEmbedder {
  const columnType = info.dimensions > MAX_VECTOR_DIMENSIONS ? 'halfvec' : 'vector';
  return { name: info.name, dimensions: info.dimensions, columnType, index: 'halfvec' };
}

/** The HNSW settings the embedding index is built with. */
export interface HnswBuild {
  m: number;
  efConstruction: number;
}

/**
 * Creates the HNSW index of the embedding column described by `sql` (inside the caller's transaction). The graph is
 * what every insert walks and rewrites: at 100k memories of 384 dimensions it is 176 MB as vector and 100 MB as
 * halfvec, which decides whether it stays in shared_buffers. Scores and the exact scans still use the
 * full-precision column.
 */
export async function createEmbeddingIndex(
  client: pg.ClientBase,
  sql: StoreSql,
  extensionSchema: string,
  hnsw: HnswBuild,
): Promise<void> {
  await client.query(
    `CREATE INDEX memories_embedding_hnsw_idx ON ${sql.memories}
       USING hnsw ((embedding${sql.indexCast}) ${extensionSchema}.halfvec_cosine_ops) WITH (m = ${hnsw.m}, ef_construction = ${hnsw.efConstruction})`,
  );
}

/**
 * The embedder the schema records; when it records none yet, records `info` and creates the embedding column and
 * its HNSW index (inside the caller's transaction, which holds the migration lock).
 */
export async function recordEmbedder(
  client: pg.ClientBase,
  schema: string,
  extensionSchema: string,
  info: EmbedderInfo,
  hnsw: HnswBuild,
): Promise<StoredEmbedder> {
  const existing = await readEmbedder(client, schema);
  if (existing) return existing;
  const stored = storedEmbedder(info);
  const sql = storeSql(schema, extensionSchema, stored);
  await client.query(`ALTER TABLE ${sql.memories} ADD COLUMN embedding ${sql.vectorType}(${info.dimensions}) NOT NULL`);
  await createEmbeddingIndex(client, sql, extensionSchema, hnsw);
  await client.query(`INSERT INTO ${sql.meta} (key, value) VALUES ('embedder', $1)`, [JSON.stringify(stored)]);
  return stored;
}
