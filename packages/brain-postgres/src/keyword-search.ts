import type { ScoredId, SearchFilter } from '@astrocyte/core/backend';
import type { PostgresConnection } from './connection.js';
import { filterConditions, Params } from './filter-sql.js';
import { KEYWORD_RANK_WEIGHTS, TEXT_SEARCH_CONFIG } from './keyword-index.js';
import { joinRows, type MemoryRow, toMemory } from './memory-rows.js';
import { type BankSizeCache, EXACT_SCAN_LIMIT } from './planner-statistics.js';
import type { StoreSql } from './schema.js';

const MAX_KEYWORD_TERMS = 64;
// Bounds on the keyword candidates ranked per search; see keywordSearch.
const KEYWORD_CANDIDATES = 1000;
const KEYWORD_CANDIDATES_PER_TERM = 300;

/** Keyword search over the stored tsvector of a store's memories. */
export class KeywordSearch {
  constructor(
    private readonly db: PostgresConnection,
    private readonly sql: StoreSql,
    private readonly bankSizes: BankSizeCache,
  ) {}

  /**
   * Full-text search on the stored tsvector: any of the terms, ranked by ts_rank with the weights of the keyword
   * columns (text, date, episode neighbours). Ranking reads every candidate's row, so over common words the
   * candidates are bounded: up to KEYWORD_CANDIDATES memories matching every term (they rank highest), and for each
   * term the first KEYWORD_CANDIDATES_PER_TERM memories matching it. A term matched by fewer memories is ranked in
   * full, and so is every search below those bounds, and every search of a bank small enough for an exact vector
   * scan.
   */
  async search(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    const wanted = [...new Set(terms.filter((t) => typeof t === 'string' && t.trim().length > 0))].slice(
      0,
      MAX_KEYWORD_TERMS,
    );
    if (bankIds.length === 0 || wanted.length === 0 || limit < 1) return [];
    const params = new Params();
    const banks = params.add(bankIds);
    // Each term goes through plainto_tsquery as a parameter: user text is never parsed as tsquery syntax.
    const each = wanted.map((t) => `plainto_tsquery('${TEXT_SEARCH_CONFIG}'::regconfig, ${params.add(t)})`);
    const where = [`m.bank_id = ANY(${banks}::text[])`, ...filterConditions(filter, params)].join(' AND ');
    // Without ORDER BY a branch stops after its limit: matches come in table order, oldest first, which is also how
    // ts_rank's many ties among one-term matches are broken below, so a term's first matches are the ones kept.
    const branch = (query: string, cap: number) =>
      `(SELECT m.id, m.bank_id, m.seq, ts_rank(${KEYWORD_RANK_WEIGHTS}, m.tsv, q.any_term) AS score FROM ${this.sql.memories} m
         WHERE ${where} AND m.tsv @@ ${query} LIMIT ${params.add(Math.max(cap, limit))})`;
    // A bank the vector search has just found small has fewer matches than an exact scan reads: one scan ranks them
    // all. (An entry gone stale when another process grew the bank ranks its first EXACT_SCAN_LIMIT matches.)
    const branches =
      this.bankSizes.get(bankIds) === false
        ? [branch('q.any_term', EXACT_SCAN_LIMIT)]
        : each.map((term) => branch(term, KEYWORD_CANDIDATES_PER_TERM));
    if (branches.length > 1) branches.unshift(branch('q.every_term', KEYWORD_CANDIDATES));
    // The rows of the ranked few are joined last, so that ranking reads no more of them than it must.
    const { rows } = await this.db.query<MemoryRow & { score: number }>(
      `SELECT m.*, c.score
         FROM (SELECT c.id, c.bank_id, c.score, c.seq
                 FROM (SELECT ${each.join(' || ')} AS any_term, ${each.join(' && ')} AS every_term) AS q
                CROSS JOIN LATERAL (${branches.join(' UNION ')}) AS c
                ORDER BY c.score DESC, c.seq
                LIMIT ${params.add(limit)}) AS c
        ${joinRows(this.sql, 'c')}
        ORDER BY c.score DESC, c.seq`,
      params.values,
    );
    return rows.map((r) => ({ id: r.id, bankId: r.bank_id, score: Number(r.score), memory: toMemory(r) }));
  }
}
