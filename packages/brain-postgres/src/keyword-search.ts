import type { ScoredId, SearchFilter } from '@astrocyte/core/backend';
import type { PostgresConnection } from './connection.js';
import { filterConditions, Params } from './filter-sql.js';
import { KEYWORD_RANK_WEIGHTS, ownLengthSql } from './keyword-index.js';
import { estimateMatches, type KeywordStatistics, type MatchEstimates, termQuery } from './keyword-match-estimates.js';
import { joinRows, type MemoryRow, toMemory } from './memory-rows.js';
import { type BankSizeCache, EXACT_SCAN_LIMIT } from './planner-statistics.js';
import { rankedTerms } from './ranked-terms.js';
import type { StoreSql } from './schema.js';

const MAX_KEYWORD_TERMS = 64;
// Bounds on the keyword candidates ranked per search of a large bank; see search.
const KEYWORD_CANDIDATES = 1000;
const KEYWORD_CANDIDATES_PER_TERM = 300;
// The matches counted per search, rarest terms first (see countedTerms); the planner's estimate weighs the others.
const COUNTED_MATCHES = 2000;

/**
 * One keyword search as SQL: the terms' tsquery expressions, the conditions on alias `m`, and per term the matches
 * its weight is computed from (null: counted by the search).
 */
interface KeywordQuery {
  terms: string[];
  matches: (number | null)[];
  where: string;
  limit: number;
  params: Params;
  estimates: MatchEstimates;
}

/** Keyword search over the stored tsvector of a store's memories. */
export class KeywordSearch {
  constructor(
    private readonly db: PostgresConnection,
    private readonly sql: StoreSql,
    private readonly bankSizes: BankSizeCache,
    private readonly known: KeywordStatistics,
  ) {}

  /**
   * Full-text search on the stored tsvector, ranked like BM25: per term, ts_rank (with the weights of the keyword
   * columns: text, date, episode neighbours) times the term's inverse document frequency in the table, summed over
   * the terms and divided by the log of the length of the memory's own text and date. Frequencies are counted for the
   * rarest terms and estimated by the planner for the others (see countedTerms). A bank small enough for an exact
   * vector scan has every match ranked. A larger one bounds what it reads, because ranking reads every candidate's
   * row: up to KEYWORD_CANDIDATES memories matching every term (they rank highest), and for each term its first
   * KEYWORD_CANDIDATES_PER_TERM matches. A term expected to match more than that in the banks searched gets no
   * candidates of its own (its first matches would be arbitrary, and finding them reads all its index entries) unless
   * it is the rarest, or the others found fewer than `limit`; it still counts in every candidate's score.
   */
  async search(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    const wanted = [...new Set(terms.filter((t) => typeof t === 'string' && t.trim().length > 0))].slice(
      0,
      MAX_KEYWORD_TERMS,
    );
    if (bankIds.length === 0 || wanted.length === 0 || limit < 1) return [];
    const conditions = (params: Params) =>
      [`m.bank_id = ANY(${params.add(bankIds)}::text[])`, ...filterConditions(filter, params)].join(' AND ');
    // The expiry instant changes with every search, and barely changes how many memories the others select.
    const { now: _, ...scope } = { ...filter, banks: [...new Set(bankIds)].sort() };
    const { terms: ranked, estimates } = rankedTerms(
      wanted,
      await estimateMatches(
        this.db,
        this.sql.memories,
        { where: conditions, scope: JSON.stringify(scope), terms: wanted },
        this.known,
      ),
    );
    const params = new Params();
    const where = conditions(params);
    const counted = countedTerms(estimates);
    const matches = ranked.map((term, i) =>
      counted.has(i) ? (this.known.counts.get(term) ?? null) : (estimates.matches[i] as number),
    );
    const query = { terms: ranked.map((t) => termQuery(params, t)), matches, where, limit, params, estimates };
    const { rows } = await this.db.query<MemoryRow & { score: number } & Record<string, unknown>>(
      this.rankedSql(
        // A bank the vector search has just found small has fewer matches than an exact scan reads. (An entry gone
        // stale when another process grew the bank ranks its first EXACT_SCAN_LIMIT matches.)
        this.bankSizes.get(bankIds) === false ? this.everyMatch(query) : this.boundedMatches(query),
        query,
      ),
      params.values,
    );
    for (const [i, term] of ranked.entries())
      if (matches[i] === null && rows[0]) this.known.counts.set(term, Number(rows[0][`d${i}`]));
    return rows.map((r) => ({ id: r.id, bankId: r.bank_id, score: Number(r.score), memory: toMemory(r) }));
  }

  // A bank small enough for an exact vector scan: every match.
  private everyMatch({ terms, where, limit, params }: KeywordQuery): string {
    return `candidates AS ${this.matchesSql(where, `(${terms.join(' || ')})`, Math.max(EXACT_SCAN_LIMIT, limit), params)}`;
  }

  // A larger bank: bounded matches per term, none of its own for a common term (see search).
  private boundedMatches({ terms, where, limit, params, estimates }: KeywordQuery): string {
    const inBanks = estimates.matches.map((n) => (n * estimates.searched) / estimates.stored);
    const rarest = Math.min(...inBanks);
    const common = (i: number) => inBanks[i] !== rarest && (inBanks[i] as number) > KEYWORD_CANDIDATES_PER_TERM;
    const branch = (query: string, cap: number) => this.matchesSql(where, query, Math.max(cap, limit), params);
    const branches = terms.filter((_, i) => !common(i)).map((term) => branch(term, KEYWORD_CANDIDATES_PER_TERM));
    if (terms.length > 1) branches.unshift(branch(`(${terms.join(' && ')})`, KEYWORD_CANDIDATES));
    const skipped = terms.filter((_, i) => common(i));
    if (skipped.length === 0) return `candidates AS (${branches.join(' UNION ALL ')})`;
    // The skipped terms' first matches fill up a search the others did not: their scan runs only then.
    const fewer = `(SELECT count(*) FROM (SELECT DISTINCT k.bank_id, k.id FROM kept k) AS k) < ${params.add(limit)}`;
    return `kept AS MATERIALIZED (${branches.join(' UNION ALL ')}),
      candidates AS (SELECT * FROM kept UNION ALL ${this.matchesSql(`${fewer} AND ${where}`, `(${skipped.join(' || ')})`, limit, params)})`;
  }

  // The first `cap` memories meeting `where` that match `query`, as candidates. Without ORDER BY the scan stops at
  // the cap: matches come in table order, oldest first, which is also how ties are broken in ranking, so a term's
  // first matches are the ones kept.
  private matchesSql(where: string, query: string, cap: number, params: Params): string {
    return `(SELECT m.id, m.bank_id, m.seq, m.tsv, m.keyword_length FROM ${this.sql.memories} m
      WHERE ${where} AND m.tsv @@ ${query} LIMIT ${params.add(cap)})`;
  }

  /**
   * The best `limit` of the candidates (common table expressions defining `candidates`: id, bank_id, seq, tsv,
   * keyword_length; a memory found twice counts once), whole. The rows of the ranked few are joined last, so that
   * ranking reads no more of them than it must.
   */
  private rankedSql(candidates: string, { terms, matches, limit, params, estimates }: KeywordQuery): string {
    const count = (term: string) => `(SELECT count(*) FROM ${this.sql.memories} m WHERE m.tsv @@ ${term})`;
    const counts = terms.map(
      (term, i) => `${matches[i] == null ? count(term) : params.add(matches[i])}::float8 AS d${i}`,
    );
    const stored = `greatest(${params.add(estimates.stored)}::float8, ${terms.map((_, i) => `d${i}`).join(', ')})`;
    // Each term's weight, computed once: BM25's inverse document frequency.
    const weights = terms.map((_, i) => `ln(1 + (${stored} - d${i} + 0.5) / (d${i} + 0.5)) AS w${i}`).join(', ');
    // Divided by the log of 1 + the words of the memory's own text and date, as ts_rank's normalization 1 divides by
    // that of the whole entry's: a page-long answer does not outrank a short turn for holding more words, and a short
    // turn is not ranked as long for its neighbours' words (docs/benchmarks.md). In float8: numeric's log(2, x) made
    // searches of RealMem's long turns 1.7 times slower.
    const length = `greatest(1, coalesce(c.keyword_length, ${ownLengthSql('c.tsv')}))`;
    const ranks = terms.map((term, i) => `f.w${i} * ts_rank(${KEYWORD_RANK_WEIGHTS}, c.tsv, ${term}, 0)`);
    const score = `(${ranks.join(' + ')}) / ln(1 + ${length}::float8)`;
    return `WITH ${candidates}, d AS MATERIALIZED (SELECT ${counts.join(', ')}), f AS MATERIALIZED (SELECT ${weights} FROM d)
      SELECT m.*, c.score, d.*
        FROM (SELECT DISTINCT c.id, c.bank_id, c.seq, ${score} AS score FROM candidates c, f
               ORDER BY score DESC, c.seq LIMIT ${params.add(limit)}) AS c
        ${joinRows(this.sql, 'c')} CROSS JOIN d
       ORDER BY c.score DESC, c.seq`;
  }
}

// The terms whose matches are counted: those the planner's statistics do not hold, rarest first, while the matches
// expected of them all stay within COUNTED_MATCHES. The statistics keep only the most common lexemes and give every
// other term one estimate, whether it matches three memories or three thousand: the rare terms a question's ranking
// hinges on. A listed term's estimate comes from its frequency and is close enough for its weight; counting it would
// read a row for each of its matches (1,800 matches took 4 ms in shared buffers and 90 ms read into them, at
// 100,000 memories).
function countedTerms({ matches, unlisted }: MatchEstimates): Set<number> {
  const counted = new Set<number>();
  let budget = COUNTED_MATCHES;
  // A listed term's frequency is at least the least frequent listed one's, twice what an unlisted term is given.
  const candidates = matches.map((_, i) => i).filter((i) => (matches[i] as number) < unlisted * 1.5);
  for (const i of candidates.sort((a, b) => (matches[a] as number) - (matches[b] as number))) {
    budget -= matches[i] as number;
    if (budget < 0) break;
    counted.add(i);
  }
  return counted;
}
