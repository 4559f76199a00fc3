import type pg from 'pg';
import { ExpiringMap } from './expiring-map.js';
import type { KeywordStatistics } from './keyword-match-estimates.js';

/**
 * Banks up to this many live memories are searched exhaustively: exact, and cheaper than walking the HNSW graph.
 * Larger ones use the index. The store picks the plan itself because planner statistics lag behind banks that
 * grow quickly (a large batch is invisible to them until the next ANALYZE).
 */
export const EXACT_SCAN_LIMIT = 2000;
// How long a bank's size class (exact scan or index) and keyword statistics are trusted; other processes' writes
// show up after this.
const BANK_SIZE_TTL_MILLIS = 10_000;
// Statistics are refreshed after this many new rows, and once the table has grown by this fraction since the last time.
const ANALYZE_MIN_ROWS = 500;
const ANALYZE_GROWTH = 0.1;

/**
 * What a store knows about the size of its banks and table, for the plans it picks: the bank-size cache that
 * searches read, kept current by the writer, and planner statistics refreshed after growth.
 */
export class PlannerStatistics {
  /** Whether a set of banks is above EXACT_SCAN_LIMIT, as last counted. */
  readonly bankSizes = new BankSizeCache(BANK_SIZE_TTL_MILLIS);
  /**
   * What keyword searches learnt of the table, for a few seconds: term estimates until this store runs ANALYZE, sizes
   * and counts until it writes. A question's words are asked again and again (an agent's recalls, a recall's
   * feedback search).
   */
  readonly keywordStatistics: KeywordStatistics = {
    estimates: new ExpiringMap(BANK_SIZE_TTL_MILLIS),
    sizes: new ExpiringMap(BANK_SIZE_TTL_MILLIS),
    counts: new ExpiringMap(BANK_SIZE_TTL_MILLIS),
  };
  private storedSinceAnalyze = 0;
  // How many stored rows the next refresh waits for, from the table's size, read once ANALYZE_MIN_ROWS are stored (null
  // until then): once per refresh, not on every insert after that (a round trip added to each single retain).
  private analyzeAt: number | null = null;

  /** `memories` is the qualified name of the store's table. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly memories: string,
  ) {}

  /** After an insert committed `stored` new memories: small banks may have grown, statistics may be stale. */
  async recordStored(stored: number): Promise<void> {
    if (stored === 0) return;
    this.bankSizes.invalidate('grown');
    this.keywordStatistics.sizes.clear();
    this.keywordStatistics.counts.clear();
    await this.analyzeAfterGrowth(stored);
  }

  /** After an erasure: any bank may have shrunk below the exact-scan cutoff. */
  recordErased(): void {
    this.bankSizes.invalidate('shrunk');
    this.forgetKeywordStatistics();
  }

  private forgetKeywordStatistics(): void {
    for (const map of Object.values(this.keywordStatistics)) map.clear();
  }

  /**
   * Refreshes planner statistics once the table has grown by a tenth since they were taken (or was never analyzed):
   * autovacuum gets there too, but up to a minute later, and until then the planner sizes banks from stale numbers
   * (a sequential keyword scan, an exact sort over a bank that outgrew it). Only the columns that plans depend on
   * are sampled, which costs tens of milliseconds at 100k memories. Best effort: a role that may not ANALYZE (not
   * the owner) gets a warning from the server, not an error, and the writes are already committed.
   */
  private async analyzeAfterGrowth(stored: number): Promise<void> {
    this.storedSinceAnalyze += stored;
    if (this.storedSinceAnalyze < (this.analyzeAt ?? ANALYZE_MIN_ROWS)) return;
    try {
      if (this.analyzeAt === null) {
        const { rows } = await this.pool.query<{ reltuples: number }>(
          'SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)',
          [this.memories],
        );
        const estimated = Number(rows[0]?.reltuples ?? -1);
        this.analyzeAt = Math.max(ANALYZE_MIN_ROWS, estimated * ANALYZE_GROWTH);
        if (this.storedSinceAnalyze < this.analyzeAt) return;
      }
      this.storedSinceAnalyze = 0;
      this.analyzeAt = null;
      await this.pool.query(`ANALYZE ${this.memories} (bank_id, tsv, tags, path, created_at, occurred_at, expires_at)`);
      this.forgetKeywordStatistics();
    } catch {
      // The insert has committed; failing it now would make the caller retry stored work. Autovacuum remains.
    }
  }
}

/**
 * Remembers, for a few seconds, whether a set of banks holds more live memories than an exact scan should read, so
 * that a recall does not count the bank again each time. A stale answer costs speed, never correctness: both plans
 * return the nearest memories of the bank (the index approximately), and the entry expires.
 */
export class BankSizeCache {
  private readonly entries: ExpiringMap<boolean>;

  constructor(ttlMillis: number, clock: () => number = Date.now) {
    this.entries = new ExpiringMap(ttlMillis, clock);
  }

  /** Whether the banks were large when last counted, or undefined when unknown or expired. */
  get(bankIds: string[]): boolean | undefined {
    return this.entries.get(keyOf(bankIds));
  }

  /** Records a fresh count. */
  set(bankIds: string[], large: boolean): void {
    this.entries.set(keyOf(bankIds), large);
  }

  /** Forgets what may have changed: after inserts only small entries (they may have grown), after erasure all. */
  invalidate(change: 'grown' | 'shrunk'): void {
    this.entries.clear(change === 'shrunk' ? undefined : (large) => !large);
  }
}

function keyOf(bankIds: string[]): string {
  return JSON.stringify([...new Set(bankIds)].sort());
}
