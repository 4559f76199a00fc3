import type { ScoredId, SearchFilter } from '@astrocyte/core';
import type Database from 'better-sqlite3';
import type { CandidateIndex } from './candidate-index/candidate-index.js';
import type { SqliteConnection } from './connection.js';
import { filterSql, MAX_TIME_MS, MIN_TIME_MS } from './filter-sql.js';
import { checkEmbedding, vectorBlob } from './vector-blobs.js';

// sqlite-vec refuses a k above this in one kNN query.
const VEC_K_MAX = 4096;
// Up to this many rows matching a tag or path filter, search them exactly instead of overfetching the kNN index.
const EXACT_CANDIDATE_MAX = 20_000;

type KnnParams = { q: Buffer; banks: string; from: bigint; to: bigint; now: bigint };
type KnnRow = { id: string; bank_id: string; distance: number; ok?: number };

/**
 * Cosine kNN over the banks, with every filter applied before the limit, by one of three strategies: without tag or
 * path filters on the candidate index (exact scores, approximate candidates; exact for banks up to MIN_CANDIDATES
 * rows); with them, exactly on sqlite-vec among the matching rows when they are few, or by overfetching sqlite-vec's
 * kNN and filtering when they are many.
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
    dimensions: number,
  ): Promise<ScoredId[]> {
    checkEmbedding(embedding, dimensions, 'embedding');
    const banks = [...new Set(bankIds)];
    const k = Math.min(Math.floor(limit), VEC_K_MAX);
    if (banks.length === 0 || !(k > 0)) return [];
    // One snapshot for catching the candidate index up and searching.
    return this.connection.readSnapshot('vectorSearch', () => {
      this.index.sync();
      return this.searchNow(banks, embedding, k, filter);
    });
  }

  private searchNow(banks: string[], embedding: Float32Array, k: number, filter: SearchFilter): ScoredId[] {
    const base: KnnParams = {
      q: vectorBlob(embedding),
      banks: JSON.stringify(banks),
      from: BigInt(filter.from?.getTime() ?? MIN_TIME_MS),
      to: BigInt(filter.to?.getTime() ?? MAX_TIME_MS),
      now: BigInt(filter.now.getTime()),
    };
    const rowFilter = filterSql(filter, { expiry: false, time: false });
    if (!rowFilter.needsRowFilter) {
      const hits = this.index.search(banks, embedding, k, {
        from: filter.from?.getTime() ?? Number.NEGATIVE_INFINITY,
        to: filter.to?.getTime() ?? Number.POSITIVE_INFINITY,
        now: filter.now.getTime(),
      });
      if (hits) return hits.map((h) => ({ id: h.id, bankId: h.bankId, score: h.similarity }));
      // A zero query vector has no direction; sqlite-vec decides what that means, as it always did.
      return toScored(this.knn(false, false, '').all({ ...base, k }) as KnnRow[], k);
    }

    const full = filterSql(filter);
    const candidates = this.connection
      .stmt(
        `SELECT m.seq FROM memories m WHERE m.bank_id IN (SELECT value FROM json_each(@banks))${full.where} LIMIT @cap`,
      )
      .pluck()
      .all({ ...full.params, banks: base.banks, cap: EXACT_CANDIDATE_MAX + 1 }) as number[];
    if (candidates.length === 0) return [];
    if (candidates.length <= EXACT_CANDIDATE_MAX) return this.knnAmong(base, candidates, k);

    // Many rows match: overfetch the index and filter, widening until the limit is filled or the banks run out.
    for (let fetch = Math.min(VEC_K_MAX, k * 8); ; fetch = Math.min(VEC_K_MAX, fetch * 4)) {
      const rows = this.knn(true, false, rowFilter.where).all({ ...base, ...rowFilter.params, k: fetch }) as KnnRow[];
      const hits = toScored(
        rows.filter((r) => r.ok === 1),
        k,
      );
      const perBank = countBy(rows, (r) => r.bank_id);
      const exhausted = [...perBank.values()].every((n) => n < fetch);
      if (hits.length >= k || exhausted) return hits;
      if (fetch === VEC_K_MAX) break;
    }
    const all = this.connection
      .stmt(`SELECT m.seq FROM memories m WHERE m.bank_id IN (SELECT value FROM json_each(@banks))${full.where}`)
      .pluck()
      .all({ ...full.params, banks: base.banks }) as number[];
    return this.knnAmong(base, all, k);
  }

  // A kNN query over vec0 joined back to memories; `flag` adds an `ok` column for the tag/path conditions in `where`.
  private knn(flag: boolean, amongRowids: boolean, where: string): Database.Statement {
    return this.connection.stmt(
      `WITH knn AS MATERIALIZED (
         SELECT rowid, distance FROM memory_vectors
         WHERE embedding MATCH @q AND k = @k AND bank_id IN (SELECT value FROM json_each(@banks))
           AND moment >= @from AND moment <= @to AND expires_at > @now
           ${amongRowids ? 'AND rowid IN (SELECT value FROM json_each(@rowids))' : ''}
       )
       SELECT m.id, m.bank_id, knn.distance${flag ? `, CASE WHEN 1${where} THEN 1 ELSE 0 END AS ok` : ''}
       FROM knn JOIN memories m ON m.seq = knn.rowid ORDER BY knn.distance`,
    );
  }

  // Exact kNN restricted to rows already known to pass every filter.
  private knnAmong(base: KnnParams, seqs: number[], k: number): ScoredId[] {
    const rows = this.knn(false, true, '').all({
      ...base,
      k: Math.min(k, seqs.length),
      rowids: JSON.stringify(seqs),
    }) as KnnRow[];
    return toScored(rows, k);
  }
}

// vec0 returns k rows per partition for a multi-bank query: merge, best first, keep k.
function toScored(rows: KnnRow[], k: number): ScoredId[] {
  return rows
    .slice()
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k)
    .map((r) => ({ id: r.id, bankId: r.bank_id, score: 1 - r.distance }));
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
