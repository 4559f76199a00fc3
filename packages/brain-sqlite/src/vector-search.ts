import {
  checkSameEmbedder,
  checkVector,
  type EmbedderInfo,
  type ScoredId,
  type SearchFilter,
} from '@astrocyte/core/backend';
import type { CandidateIndex } from './candidate-index/candidate-index.js';
import { runSliced } from './candidate-index/steps.js';
import type { SqliteConnection } from './connection.js';
import { filterSql } from './filter-sql.js';
import { toMemory } from './memory-rows.js';
import { readEmbedder } from './schema.js';
import { vectorBlob } from './vector-blobs.js';

// The most hits one search returns (the limit of sqlite-vec's kNN, which the store has always kept).
const MAX_HITS = 4096;

type DistanceRow = { id: string; bank_id: string; distance: number | null };

/**
 * Cosine kNN over the banks, with every filter applied before the limit, by one of two strategies: without tag or
 * path filters on the candidate index (exact scores, approximate candidates; exact for banks up to MIN_CANDIDATES
 * rows); with them (or for a zero query vector, which has no direction the index could follow), exactly, by
 * sqlite-vec's vec_distance_cosine over the stored vectors of the rows that pass every filter.
 */
export class VectorSearch {
  private readonly connection: SqliteConnection;
  private readonly index: CandidateIndex;

  constructor(connection: SqliteConnection, index: CandidateIndex) {
    this.connection = connection;
    this.index = index;
  }

  /** The `limit` memories of the banks nearest to `embedding` among those passing `filter`, best first. */
  async search(
    bankIds: string[],
    embedding: Float32Array,
    limit: number,
    filter: SearchFilter,
    embedder: EmbedderInfo,
  ): Promise<ScoredId[]> {
    checkVector(embedding, embedder.dimensions, 'embedding');
    const banks = [...new Set(bankIds)];
    const k = Math.min(Math.floor(limit), MAX_HITS);
    if (banks.length === 0 || !(k > 0)) return [];
    const indexed = !filterSql(filter).needsRowFilter;
    // Loading a bank's index reads all its rows (0.7 s at 100,000 memories): the first search of a bank loads it in
    // slices, giving the event loop turns.
    if (indexed && banks.some((bankId) => !this.index.loaded(bankId)))
      await this.connection.readAcrossTurns('vectorSearch', async (tick) => {
        for (const bankId of banks) await runSliced(this.index.load(bankId), tick);
      });
    // One snapshot for catching the candidate index up and searching.
    return this.connection.readSnapshot('vectorSearch', () => {
      // A query of the old model must not meet the vectors of a re-embedding that switched the store (in any process).
      checkSameEmbedder(readEmbedder(this.connection.statements) ?? embedder, embedder);
      this.index.sync();
      if (indexed) {
        const hits = this.index.search(banks, embedding, k, {
          from: filter.from?.getTime() ?? Number.NEGATIVE_INFINITY,
          to: filter.to?.getTime() ?? Number.POSITIVE_INFINITY,
          now: filter.now.getTime(),
        });
        if (hits)
          return hits.map((h) => ({ id: h.id, bankId: h.bankId, score: h.similarity, memory: toMemory(h.row) }));
      }
      return this.exact(banks, embedding, k, filter);
    });
  }

  // Every row passing the filter, scored; a vector without a direction (distance NULL) ranks after every other, and
  // ties go to the older row. Ids only: the sort of a large filtered scan would carry every row's text.
  private exact(banks: string[], embedding: Float32Array, k: number, filter: SearchFilter): ScoredId[] {
    const f = filterSql(filter);
    const rows = this.connection
      .stmt(
        `SELECT m.id, m.bank_id, vec_distance_cosine(e.embedding, @q) AS distance
         FROM memories m JOIN memory_embeddings e ON e.seq = m.seq
         WHERE m.bank_id IN (SELECT value FROM json_each(@banks))${f.where}
         ORDER BY distance IS NULL, distance, m.seq LIMIT @k`,
      )
      .all({ ...f.params, q: vectorBlob(embedding), banks: JSON.stringify(banks), k }) as DistanceRow[];
    // A vector without a direction (text of no words, such as emoji) resembles nothing: 0, as Postgres scores it.
    return rows.map((r) => ({ id: r.id, bankId: r.bank_id, score: r.distance === null ? 0 : 1 - r.distance }));
  }
}
