import { KEYWORD_WEIGHTS, MEMORY_COLUMNS, type ScoredId, type SearchFilter } from '@astrocyte/core/backend';
import type { SqliteConnection } from './connection.js';
import { filterSql } from './filter-sql.js';
import { ftsMatchExpression } from './fts-query.js';
import { KeywordPlanner } from './keyword-plan.js';
import { type MemoryRow, toMemory } from './memory-rows.js';

/** bm25() with the column weights core measured, in the column order of the keyword table (schema.ts). */
const KEYWORD_RANK_SQL = `bm25(memory_fts, ${KEYWORD_WEIGHTS.text}, ${KEYWORD_WEIGHTS.date}, ${KEYWORD_WEIGHTS.context})`;

type RankedRow = MemoryRow & { rank: number };

/**
 * FTS5 search for any of the terms, best bm25 first; each term is quoted so it can only ever be a word. Within a
 * budget of scored rows (see KeywordPlanner): the most common terms are left out when the terms together match more
 * rows than that, and only the newest matches are scored when even the rarest term does.
 */
export class KeywordSearch {
  private readonly connection: SqliteConnection;
  private readonly planner: KeywordPlanner;

  constructor(connection: SqliteConnection) {
    this.connection = connection;
    this.planner = new KeywordPlanner(connection.database);
  }

  /**
   * Up to `limit` live memories of the banks matching any term and the filter, best first. Planned on the store's
   * connection, run by its read worker (see SqliteConnection.readOffThread): a recall's vector search runs meanwhile.
   */
  async search(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    this.connection.assertOpen();
    const banks = [...new Set(bankIds)];
    if (banks.length === 0 || ftsMatchExpression(terms ?? []) === null || !(limit >= 1)) return [];
    const f = filterSql(filter);
    const rows = await this.connection.readOffThread<RankedRow>(
      'keywordSearch',
      () => {
        const plan = this.planner.plan([...new Set(terms)]);
        const match = ftsMatchExpression(plan.terms);
        if (match === null) return [];
        // bm25() is what the rank column computes, but ordering by rank switches FTS5 to its own sorted mode, which
        // measured 30% slower than SQLite's sorter over the same scores.
        const matches = plan.newestOnly
          ? `SELECT rowid, ${KEYWORD_RANK_SQL} AS rank FROM memory_fts WHERE memory_fts MATCH @match ORDER BY rowid DESC LIMIT @newest`
          : `SELECT rowid, ${KEYWORD_RANK_SQL} AS rank FROM memory_fts WHERE memory_fts MATCH @match`;
        const params = {
          ...f.params,
          match,
          banks: JSON.stringify(banks),
          limit: Math.floor(limit),
          newest: plan.newestOnly ?? 0,
          fetch: Math.max(100, Math.floor(limit) * 4),
        };
        // Rank first and join the few best to memories for bank and filters: the join per match costs as much as the
        // ranking. When the best `fetch` do not yield `limit` rows of these banks, rank the filtered matches instead.
        // The hits' whole rows come back, read by the worker: recall then reads none of them again. Ties go to the
        // older row, as in every store: the same text in two banks ranks the same whichever backend holds it.
        const ranked = (hits: string) => ({
          sql: `WITH hits AS MATERIALIZED (${hits})
                SELECT ${MEMORY_COLUMNS}, hits.rank FROM hits JOIN memories m ON m.seq = hits.rowid
                WHERE m.bank_id IN (SELECT value FROM json_each(@banks))${f.where}
                ORDER BY hits.rank, hits.rowid LIMIT @limit`,
          params,
        });
        return [ranked(`SELECT rowid, rank FROM (${matches}) ORDER BY rank, rowid LIMIT @fetch`), ranked(matches)];
      },
      Math.floor(limit),
    );
    return rows.map(({ rank, ...row }) => ({ id: row.id, bankId: row.bank_id, score: -rank, memory: toMemory(row) }));
  }
}
