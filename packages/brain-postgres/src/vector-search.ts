import { EmbedderMismatchError } from '@astrocyte/core';
import {
  checkSameEmbedder,
  checkVector,
  type EmbedderInfo,
  type ScoredId,
  type SearchFilter,
  sameEmbedder,
} from '@astrocyte/core/backend';
import type { PostgresConnection } from './connection.js';
import { filterConditions, Params } from './filter-sql.js';
import { joinRows, type MemoryRow, toMemory, vectorLiteral } from './memory-rows.js';
import { type BankSizeCache, EXACT_SCAN_LIMIT } from './planner-statistics.js';
import { indexedDistanceSql, readEmbedder, type StoreSql } from './schema.js';

/** The HNSW settings a vector search applies. */
export interface VectorSearchSettings {
  /** The configured hnsw.ef_search; a larger limit raises it. */
  efSearch: number;
  /** Whether pgvector (0.8 and later) can continue an index scan until filtered rows fill the limit. */
  iterativeScans: boolean;
}

/** Vector search over the embeddings of a store's memories, exact or through the HNSW index by bank size. */
export class VectorSearch {
  constructor(
    private readonly db: PostgresConnection,
    private readonly bankSizes: BankSizeCache,
    private readonly settings: VectorSearchSettings,
  ) {}

  /**
   * Cosine kNN over the given banks in one statement: exact for banks up to EXACT_SCAN_LIMIT memories, through the
   * HNSW index for larger ones; with pgvector 0.8 the index scan continues until filtered rows fill the limit.
   * `sql` names the column type the recorded embedder gave the store.
   */
  async search(
    bankIds: string[],
    embedding: Float32Array,
    limit: number,
    filter: SearchFilter,
    sql: StoreSql,
    embedder: EmbedderInfo,
  ): Promise<ScoredId[]> {
    checkVector(embedding, embedder.dimensions, 'embedding');
    const params = new Params();
    const banks = params.add(bankIds);
    const vector = `${params.add(vectorLiteral(embedding))}::${sql.vectorType}`;
    const where = [`m.bank_id = ANY(${banks}::text[])`, ...filterConditions(filter, params)].join(' AND ');
    const exact = `m.embedding ${sql.distance} ${vector}`;
    // A memory with no direction (a zero vector) has a NaN distance, which would sort first: NULL sorts last.
    const columns = `m.bank_id, m.id, 1 - NULLIF(${exact}, 'NaN') AS score`;
    const cap = params.add(limit);
    const candidates = Math.min(1000, Math.max(this.settings.efSearch, limit));
    // Settings are applied by the outer row before the inner scans start and last only for this statement's
    // implicit transaction: one round trip, no session state (PgBouncer-safe).
    const settings = [`set_config('hnsw.ef_search', ${params.add(String(candidates))}, true)`];
    if (this.settings.iterativeScans) settings.push(`set_config('hnsw.iterative_scan', 'relaxed_order', true)`);
    const known = params.add(this.bankSizes.get(bankIds) ?? null);
    // Only the branch whose one-time filter holds runs. Ordering by the score hides the ordering from the index: a
    // small bank is sorted exactly, each distance computed once; a large one is left to the planner, which walks
    // the index (statistics kept fresh by insert). The whole rows of the few found are joined last and come back
    // with their scores: recall then needs no second round trip to load them.
    const { rows } = await this.db
      .query<MemoryRow & { score: number; large: boolean; recorded: EmbedderInfo }>(
        `SELECT m.*, h.score, c.large, c.recorded
         FROM (SELECT ${settings.join(' || ')} AS settings,
                      (SELECT value FROM ${sql.meta} WHERE key = 'embedder') AS recorded,
                      COALESCE(${known}::boolean, (SELECT count(*) > ${EXACT_SCAN_LIMIT}
                        FROM (SELECT 1 FROM ${sql.memories} m WHERE m.bank_id = ANY(${banks}::text[]) LIMIT ${EXACT_SCAN_LIMIT + 1}) AS s)) AS large
                OFFSET 0) AS c
        CROSS JOIN LATERAL (
          (SELECT ${columns} FROM ${sql.memories} m
            WHERE ${where} AND c.large AND c.settings IS NOT NULL
            ORDER BY ${indexedDistanceSql(sql, vector)} LIMIT ${cap})
          UNION ALL
          (SELECT ${columns} FROM ${sql.memories} m
            WHERE ${where} AND NOT c.large
            ORDER BY score DESC NULLS LAST LIMIT ${cap})
        ) AS h
        ${joinRows(sql, 'h')}`,
        params.values,
      )
      .catch(async (error: unknown) => {
        // A query of another dimension than the column's fails: because a re-embedding switched the store, maybe.
        throw (await this.switchedAway(sql, embedder)) ?? error;
      });
    if (rows[0]) {
      // A query of the old model must not be answered from a re-embedding's vectors (in any process).
      checkSameEmbedder(rows[0].recorded, embedder);
      this.bankSizes.set(bankIds, rows[0].large);
    }
    // The index orders by 16-bit distances, and relaxed_order trades exact order for speed: full-precision order here.
    return rows
      .map((r) => ({
        id: r.id,
        bankId: r.bank_id,
        score: Number.isFinite(r.score) ? Number(r.score) : 0,
        memory: toMemory(r),
      }))
      .sort((a, b) => b.score - a.score);
  }

  // The mismatch to report when the recorded embedder is no longer the one the query was embedded with.
  private async switchedAway(sql: StoreSql, embedder: EmbedderInfo): Promise<EmbedderMismatchError | undefined> {
    const recorded = await readEmbedder(this.db.pool, sql.schema).catch(() => undefined);
    if (!recorded || sameEmbedder(recorded, embedder)) return undefined;
    return new EmbedderMismatchError({ name: recorded.name, dimensions: recorded.dimensions }, embedder);
  }
}
