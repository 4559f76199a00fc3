import { MEMORY_COLUMNS } from '@astrocyte/core';

/** Qualified names a store's statements use, fixed at open from its schema and pgvector's schema. */
export interface StoreSql {
  /** The unquoted schema name, used in advisory lock keys. */
  schema: string;
  memories: string;
  versions: string;
  meta: string;
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

/** The distance the HNSW index orders by, between `m.embedding` and the vector in `vector` (SQL of the column type). */
export function indexedDistanceSql(sql: StoreSql, vector: string): string {
  return `m.embedding${sql.indexCast} ${sql.distance} (${vector})${sql.indexCast}`;
}

/** Version rows get the next free number per memory, so that a reused id never collides with old history. */
export function nextVersionSql(sql: StoreSql, bankColumn: string, memoryColumn: string): string {
  return `COALESCE((SELECT max(x.version) FROM ${sql.versions} x WHERE x.bank_id = ${bankColumn} AND x.memory_id = ${memoryColumn}), 0)`;
}

/** Locks banks for the rest of the transaction, in key order, so that writers of overlapping banks cannot deadlock. */
export function lockBanksSql(): string {
  return `SELECT pg_advisory_xact_lock(k)
            FROM (SELECT DISTINCT hashtextextended($1 || b, 0) AS k FROM unnest($2::text[]) AS b ORDER BY k) AS keys`;
}

/**
 * Banks up to this many live memories are searched exhaustively: exact, and cheaper than walking the HNSW graph.
 * Larger ones use the index. The store picks the plan itself because planner statistics lag behind banks that
 * grow quickly (a large batch is invisible to them until the next ANALYZE).
 */
export const EXACT_SCAN_LIMIT = 2000;

/**
 * Joins to each ranked hit of `hits` (with bank_id and id) its memories row, as `m`: a lookup by primary key per hit.
 * `LIMIT 1` keeps the subquery from being pulled up into a plain join, which the planner, estimating a single hit,
 * would run by hashing the whole table.
 */
export function joinRows(sql: StoreSql, hits: string): string {
  return `CROSS JOIN LATERAL (SELECT ${MEMORY_COLUMNS} FROM ${sql.memories} m
            WHERE m.bank_id = ${hits}.bank_id AND m.id = ${hits}.id LIMIT 1) AS m`;
}
