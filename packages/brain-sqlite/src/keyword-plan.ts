import type Database from 'better-sqlite3';

/** Rows a keyword search scores at most (bm25 over every match costs about a microsecond a row). */
export const KEYWORD_SCORE_BUDGET = 4000;

// Terms a search keeps: of a longer question, the rarest, and any as rare as the last of them (as the Postgres store
// does).
const RANKED_TERMS = 32;
// Terms whose tokens are remembered.
const TOKEN_CACHE_MAX = 10_000;

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
 * budget, RANKED_TERMS at most: bm25 weighs a term by its rarity, so the common terms left out are the ones that moved
 * the ranking least.
 * A term the tokenizer splits into several tokens has no single frequency and is always kept. Frequencies are read
 * again once the database changed, by this connection or another.
 */
export class KeywordPlanner {
  private readonly db: Database.Database;
  // Each term's tokens: the tokenizer is a pure function, and running it through the temporary table costs more than
  // the frequency lookups. Cleared when full, which a working vocabulary seldom reaches.
  private readonly tokenCache = new Map<string, string[]>();
  // Each token's document frequency, read since the database last changed: exact, and reading a common token's
  // frequency costs milliseconds at a million memories (it walks the token's whole posting list).
  private readonly frequencyCache = new Map<string, number>();
  private frequenciesAt = '';
  private prepared: {
    clear: Database.Statement;
    add: Database.Statement;
    tokens: Database.Statement;
    frequency: Database.Statement;
    changes: Database.Statement;
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
    let last = 0;
    for (const [i, t] of known.entries()) {
      const df = t.df as number;
      if (df === 0) continue;
      // Past the cap, only terms as rare as the last one kept: which of equally rare terms to drop, nothing says.
      if (kept.length >= RANKED_TERMS && df > last) break;
      if (i > 0 && total + df > KEYWORD_SCORE_BUDGET && total > 0) break;
      kept.push(t.term);
      total += df;
      last = df;
    }
    if (kept.length === 0) return { terms: [], newestOnly: null };
    return { terms: kept, newestOnly: total > KEYWORD_SCORE_BUDGET ? KEYWORD_SCORE_BUDGET : null };
  }

  // Tokenizes the terms not seen before in a per-connection temporary FTS5 table with the same tokenizer, then reads
  // each token's document count from the main index's vocabulary. Temporary tables need no write lock on the database
  // file.
  private frequencies(terms: string[]): (number | null)[] {
    const statements = this.statements();
    if (this.databaseState(statements) !== this.frequenciesAt) this.frequencyCache.clear();
    if (this.tokenCache.size + terms.length > TOKEN_CACHE_MAX) this.tokenCache.clear();
    const unseen = terms.filter((term) => !this.tokenCache.has(term));
    if (unseen.length > 0) {
      statements.clear.run();
      for (const [i, term] of unseen.entries()) statements.add.run(i + 1, term);
      const tokens = unseen.map((): string[] => []);
      for (const row of statements.tokens.all() as { doc: number; term: string }[]) tokens[row.doc - 1]?.push(row.term);
      statements.clear.run();
      for (const [i, term] of unseen.entries()) this.tokenCache.set(term, tokens[i] as string[]);
    }
    // After this planner's own writes to its temporary table, which change no frequency.
    this.frequenciesAt = this.databaseState(statements);
    if (this.frequencyCache.size + terms.length > TOKEN_CACHE_MAX) this.frequencyCache.clear();
    return terms.map((term) => {
      const list = this.tokenCache.get(term);
      if (list?.length !== 1) return null;
      const token = list[0] as string;
      let frequency = this.frequencyCache.get(token);
      if (frequency === undefined) {
        frequency = (statements.frequency.pluck().get(token) as number | undefined) ?? 0;
        this.frequencyCache.set(token, frequency);
      }
      return frequency;
    });
  }

  // Changes whenever the database does: other connections' commits move data_version, this connection's own writes
  // (in or out of a transaction) total_changes().
  private databaseState(statements: NonNullable<KeywordPlanner['prepared']>): string {
    return `${this.db.pragma('data_version', { simple: true })}:${statements.changes.pluck().get()}`;
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
        changes: this.db.prepare('SELECT total_changes()'),
      };
    }
    return this.prepared;
  }
}
