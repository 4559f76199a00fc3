import type Database from 'better-sqlite3';

/** Rows a keyword search scores at most (bm25 over every match costs about a microsecond a row). */
export const KEYWORD_SCORE_BUDGET = 4000;

/** Which terms a keyword search keeps, and whether it scores only the newest matches. */
export interface KeywordPlan {
  terms: string[];
  /** When set, only this many newest matches are scored: even the rarest term matches more rows than the budget. */
  newestOnly: number | null;
}

/**
 * Plans a keyword search within KEYWORD_SCORE_BUDGET scored rows. Each term's document frequency comes from an
 * fts5vocab view of the index, after running the term through FTS5's own tokenizer (porter stemming included), so
 * the lookup sees exactly the token the MATCH will. Terms are kept rarest first while their frequencies fit the
 * budget: bm25 weighs a term by its rarity, so the common terms left out are the ones that moved the ranking least.
 * A term the tokenizer splits into several tokens has no single frequency and is always kept.
 */
export class KeywordPlanner {
  private readonly db: Database.Database;
  private prepared: {
    clear: Database.Statement;
    add: Database.Statement;
    tokens: Database.Statement;
    frequency: Database.Statement;
  } | null = null;

  constructor(db: Database.Database) {
    this.db = db;
  }

  /** The plan for these (already deduplicated, non-empty) terms. */
  plan(terms: string[]): KeywordPlan {
    if (terms.length === 0) return { terms, newestOnly: null };
    const frequencies = this.frequencies(terms);
    const order = terms.map((term, i) => ({ term, df: frequencies[i] ?? null }));
    const known = order.filter((t) => t.df !== null).sort((a, b) => (a.df as number) - (b.df as number));
    const kept = order.filter((t) => t.df === null).map((t) => t.term);
    let total = 0;
    for (const [i, t] of known.entries()) {
      const df = t.df as number;
      if (df === 0) continue;
      if (i > 0 && total + df > KEYWORD_SCORE_BUDGET && total > 0) break;
      kept.push(t.term);
      total += df;
    }
    if (kept.length === 0) return { terms: [], newestOnly: null };
    return { terms: kept, newestOnly: total > KEYWORD_SCORE_BUDGET ? KEYWORD_SCORE_BUDGET : null };
  }

  // Tokenizes the terms in a per-connection temporary FTS5 table with the same tokenizer, then reads each token's
  // document count from the main index's vocabulary. Temporary tables need no write lock on the database file.
  private frequencies(terms: string[]): (number | null)[] {
    const statements = this.statements();
    statements.clear.run();
    for (const [i, term] of terms.entries()) statements.add.run(i + 1, term);
    const tokens = new Map<number, string[]>();
    for (const row of statements.tokens.all() as { doc: number; term: string }[]) {
      const list = tokens.get(row.doc) ?? [];
      list.push(row.term);
      tokens.set(row.doc, list);
    }
    statements.clear.run();
    return terms.map((_, i) => {
      const list = tokens.get(i + 1);
      if (list?.length !== 1) return null;
      return (statements.frequency.pluck().get(list[0]) as number | undefined) ?? 0;
    });
  }

  private statements(): NonNullable<KeywordPlanner['prepared']> {
    if (!this.prepared) {
      this.db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS temp.astrocyte_query_terms USING fts5(term, tokenize='porter unicode61');
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.astrocyte_query_tokens USING fts5vocab(temp, astrocyte_query_terms, instance);
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.astrocyte_memory_vocab USING fts5vocab(main, memory_fts, row);`,
      );
      this.prepared = {
        clear: this.db.prepare('DELETE FROM temp.astrocyte_query_terms'),
        add: this.db.prepare('INSERT INTO temp.astrocyte_query_terms (rowid, term) VALUES (?, ?)'),
        tokens: this.db.prepare('SELECT doc, term FROM temp.astrocyte_query_tokens'),
        frequency: this.db.prepare('SELECT doc FROM temp.astrocyte_memory_vocab WHERE term = ?'),
      };
    }
    return this.prepared;
  }
}
