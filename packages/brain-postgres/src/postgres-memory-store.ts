import {
  type ChainMember,
  checkSameEmbedder,
  type EmbedderInfo,
  type InsertOptions,
  type InsertOutcome,
  type JsonValue,
  MEMORY_COLUMNS,
  type Memory,
  type MemoryRecord,
  type MemorySelector,
  type MemoryStore,
  type MemoryVersion,
  type Page,
  type ScoredId,
  type SearchFilter,
  StorageError,
  type StoreListOptions,
  ValidationError,
  type VersionStamp,
} from '@astrocyte/core';
import pg from 'pg';
import { BankSizeCache } from './planner-statistics.js';
import { insertRecords } from './insert-records.js';
import { KEYWORD_RANK_WEIGHTS, rewriteEpisodeNeighbours, TEXT_SEARCH_CONFIG } from './keyword-index.js';
import { decodeCursor, encodeCursor } from './list-cursor.js';
import { type MemoryRow, toMemory, toVersion, type VersionRow, vectorLiteral } from './memory-rows.js';
import { migrate, quoteIdent, type VectorExtension, withMigrationLock } from './migrations.js';
import {
  type PostgresStoreOptions,
  parseOptions,
  postgresStoreOptionsSchema,
  type ResolvedPostgresStoreOptions,
} from './store-options.js';
import { type ServerAddress, serverAddress, translateError } from './storage-errors.js';
import { filterConditions, Params } from './filter-sql.js';
import {
  EXACT_SCAN_LIMIT,
  indexedDistanceSql,
  joinRows,
  lockBanksSql,
  nextVersionSql,
  type StoreSql,
} from './store-sql.js';
import { chainMembers, eraseChainContent, supersededAmong } from './supersession-chains.js';

// HNSW on `vector` stops at 2,000 dimensions; `halfvec` (16-bit floats) carries it to 4,000.
const MAX_VECTOR_DIMENSIONS = 2000;
const MAX_HALFVEC_DIMENSIONS = 4000;
const MAX_KEYWORD_TERMS = 64;
// Bounds on the keyword candidates ranked per search; see keywordSearch.
const KEYWORD_CANDIDATES = 1000;
const KEYWORD_CANDIDATES_PER_TERM = 300;
// How long a bank's size class (exact scan or index) is trusted; other processes' writes show up after this.
const BANK_SIZE_TTL_MILLIS = 10_000;
// Statistics are refreshed after this many new rows, and once the table has grown by this fraction since the last time.
const ANALYZE_MIN_ROWS = 500;
const ANALYZE_GROWTH = 0.1;

/** What the meta table records about the embedder that wrote the store. */
interface StoredEmbedder extends EmbedderInfo {
  columnType: 'vector' | 'halfvec';
  /**
   * `halfvec`: the HNSW index holds the embeddings cast to 16-bit floats, half the size of the graph for the same
   * recall (stores created before this field index the column itself).
   */
  index?: 'halfvec';
}

/** Opens (and migrates) a Postgres memory store; the config loader calls this for `storage.backend: postgres`. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresMemoryStore> {
  return PostgresMemoryStore.open(options);
}

/**
 * The MemoryStore SPI on Postgres with pgvector: an HNSW cosine index for vector search, a stored tsvector with a
 * GIN index for keyword search, advisory locks that make dedup atomic per bank across processes.
 */
export class PostgresMemoryStore implements MemoryStore {
  readonly backend = 'postgres';
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly address: ServerAddress;
  private readonly options: ResolvedPostgresStoreOptions;
  private readonly extension: VectorExtension;
  private embedder: StoredEmbedder | undefined;
  private closed = false;
  private readonly bankSizes = new BankSizeCache(BANK_SIZE_TTL_MILLIS);
  private storedSinceAnalyze = 0;

  private constructor(
    pool: pg.Pool,
    ownsPool: boolean,
    address: ServerAddress,
    options: ResolvedPostgresStoreOptions,
    extension: VectorExtension,
  ) {
    this.pool = pool;
    this.ownsPool = ownsPool;
    this.address = address;
    this.options = options;
    this.extension = extension;
    this.schema = options.schema;
  }

  /** Validates options, connects, runs pending migrations under the migration lock, and reads the embedder record. */
  static async open(input: PostgresStoreOptions): Promise<PostgresMemoryStore> {
    const options = parseOptions(postgresStoreOptionsSchema, input);
    const ownsPool = options.pool === undefined;
    const pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectionTimeoutMillis,
      });
    // An idle connection that dies (server restart) must not crash the process; the next query reports it.
    if (ownsPool) pool.on('error', () => undefined);
    const address = serverAddress(options.connectionString, options.pool);
    try {
      const extension = await migrate(pool, options.schema, address);
      const store = new PostgresMemoryStore(pool, ownsPool, address, options, extension);
      store.embedder = await store.readEmbedder(pool);
      return store;
    } catch (error) {
      if (ownsPool) await pool.end().catch(() => undefined);
      throw translateError(error, address, pool);
    }
  }

  /** Records the embedder and creates the embedding column and its HNSW index on first use; refuses another one. */
  async ensureEmbedder(info: EmbedderInfo): Promise<void> {
    if (!Number.isInteger(info.dimensions) || info.dimensions < 1 || info.dimensions > MAX_HALFVEC_DIMENSIONS) {
      throw new ValidationError(
        'embedder.dimensions',
        `must be an integer from 1 to ${MAX_HALFVEC_DIMENSIONS} for pgvector, got ${info.dimensions}`,
      );
    }
    if (this.embedder) return checkSameEmbedder(this.embedder, info);
    await this.guard(() =>
      withMigrationLock(this.pool, async (client) => {
        const existing = await this.readEmbedder(client);
        if (existing) {
          this.embedder = existing;
          return;
        }
        const columnType = info.dimensions > MAX_VECTOR_DIMENSIONS ? 'halfvec' : 'vector';
        const stored: StoredEmbedder = { name: info.name, dimensions: info.dimensions, columnType, index: 'halfvec' };
        const sql = this.sqlFor(stored);
        const { m, efConstruction } = this.options.hnsw;
        await client.query(
          `ALTER TABLE ${sql.memories} ADD COLUMN embedding ${sql.vectorType}(${info.dimensions}) NOT NULL`,
        );
        // The graph is what every insert walks and rewrites: at 100k memories of 384 dimensions it is 176 MB as
        // vector and 100 MB as halfvec, which decides whether it stays in shared_buffers. Scores and the exact
        // scans still use the full-precision column.
        await client.query(
          `CREATE INDEX memories_embedding_hnsw_idx ON ${sql.memories}
             USING hnsw ((embedding${sql.indexCast}) ${this.extension.schema}.halfvec_cosine_ops) WITH (m = ${m}, ef_construction = ${efConstruction})`,
        );
        await client.query(`INSERT INTO ${sql.meta} (key, value) VALUES ('embedder', $1)`, [JSON.stringify(stored)]);
        this.embedder = stored;
      }),
    );
    if (this.embedder) checkSameEmbedder(this.embedder, info);
  }

  /** Stores records in one transaction holding each involved bank's advisory lock; see MemoryStore.insert. */
  async insert(records: MemoryRecord[], options: InsertOptions): Promise<InsertOutcome[]> {
    if (records.length === 0) return [];
    const sql = await this.sql();
    const dimensions = (this.embedder as StoredEmbedder).dimensions;
    for (const [i, record] of records.entries()) checkRecord(record, dimensions, i);
    const outcomes = await this.transaction(async (client) => {
      // The near-duplicate check wants the true nearest neighbour of the bank, in order, however many banks share the index.
      if (this.extension.iterativeScans) {
        await client.query(`SELECT set_config('hnsw.iterative_scan', 'strict_order', true)`);
      }
      await client.query(lockBanksSql(), [this.bankLockPrefix(), [...new Set(records.map((r) => r.bankId))]]);
      return insertRecords(client, sql, records, options);
    });
    const stored = outcomes.filter((o) => o.status === 'stored').length;
    if (stored > 0) {
      this.bankSizes.invalidate('grown');
      await this.analyzeAfterGrowth(stored);
    }
    return outcomes;
  }

  /** The live memory of the bank with this content hash. */
  async findByHash(bankId: string, contentHash: string): Promise<string | null> {
    const sql = this.sqlFor();
    const { rows } = await this.query<{ id: string }>(
      `SELECT id FROM ${sql.memories} WHERE bank_id = $1 AND content_hash = $2`,
      [bankId, contentHash],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Cosine kNN over the given banks in one statement: exact for banks up to EXACT_SCAN_LIMIT memories, through the
   * HNSW index for larger ones; with pgvector 0.8 the index scan continues until filtered rows fill the limit.
   */
  async vectorSearch(
    bankIds: string[],
    embedding: Float32Array,
    limit: number,
    filter: SearchFilter,
  ): Promise<ScoredId[]> {
    if (bankIds.length === 0 || limit < 1) return [];
    const sql = await this.sql();
    const params = new Params();
    const banks = params.add(bankIds);
    const vector = `${params.add(vectorLiteral(embedding))}::${sql.vectorType}`;
    const where = [`m.bank_id = ANY(${banks}::text[])`, ...filterConditions(filter, params)].join(' AND ');
    const exact = `m.embedding ${sql.distance} ${vector}`;
    // A memory with no direction (a zero vector) has a NaN distance, which would sort first: NULL sorts last.
    const columns = `m.bank_id, m.id, 1 - NULLIF(${exact}, 'NaN') AS score`;
    const cap = params.add(limit);
    const efSearch = Math.min(1000, Math.max(this.options.hnsw.efSearch, limit));
    // Settings are applied by the outer row before the inner scans start and last only for this statement's
    // implicit transaction: one round trip, no session state (PgBouncer-safe).
    const settings = [`set_config('hnsw.ef_search', ${params.add(String(efSearch))}, true)`];
    if (this.extension.iterativeScans) settings.push(`set_config('hnsw.iterative_scan', 'relaxed_order', true)`);
    const known = params.add(this.bankSizes.get(bankIds) ?? null);
    // Only the branch whose one-time filter holds runs. Ordering by the score hides the ordering from the index: a
    // small bank is sorted exactly, each distance computed once; a large one is left to the planner, which walks
    // the index (statistics kept fresh by insert). The whole rows of the few found are joined last and come back
    // with their scores: recall then needs no second round trip to load them.
    const { rows } = await this.query<MemoryRow & { score: number; large: boolean }>(
      `SELECT m.*, h.score, c.large
         FROM (SELECT ${settings.join(' || ')} AS settings,
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
    );
    if (rows[0]) this.bankSizes.set(bankIds, rows[0].large);
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

  /**
   * Full-text search on the stored tsvector: any of the terms, ranked by ts_rank with the weights of the keyword
   * columns (text, date, episode neighbours). Ranking reads every candidate's row, so over common words the
   * candidates are bounded: up to KEYWORD_CANDIDATES memories matching every term (they rank highest), and for each
   * term the first KEYWORD_CANDIDATES_PER_TERM memories matching it. A term matched by fewer memories is ranked in
   * full, and so is every search below those bounds, and every search of a bank small enough for an exact vector
   * scan.
   */
  async keywordSearch(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    const wanted = [...new Set(terms.filter((t) => typeof t === 'string' && t.trim().length > 0))].slice(
      0,
      MAX_KEYWORD_TERMS,
    );
    if (bankIds.length === 0 || wanted.length === 0 || limit < 1) return [];
    const sql = this.sqlFor();
    const params = new Params();
    const banks = params.add(bankIds);
    // Each term goes through plainto_tsquery as a parameter: user text is never parsed as tsquery syntax.
    const each = wanted.map((t) => `plainto_tsquery('${TEXT_SEARCH_CONFIG}'::regconfig, ${params.add(t)})`);
    const where = [`m.bank_id = ANY(${banks}::text[])`, ...filterConditions(filter, params)].join(' AND ');
    // Without ORDER BY a branch stops after its limit: matches come in table order, oldest first, which is also how
    // ts_rank's many ties among one-term matches are broken below, so a term's first matches are the ones kept.
    const branch = (query: string, cap: number) =>
      `(SELECT m.id, m.bank_id, m.seq, ts_rank(${KEYWORD_RANK_WEIGHTS}, m.tsv, q.any_term) AS score FROM ${sql.memories} m
         WHERE ${where} AND m.tsv @@ ${query} LIMIT ${params.add(Math.max(cap, limit))})`;
    // A bank the vector search has just found small has fewer matches than an exact scan reads: one scan ranks them
    // all. (An entry gone stale when another process grew the bank ranks its first EXACT_SCAN_LIMIT matches.)
    const branches =
      this.bankSizes.get(bankIds) === false
        ? [branch('q.any_term', EXACT_SCAN_LIMIT)]
        : each.map((term) => branch(term, KEYWORD_CANDIDATES_PER_TERM));
    if (branches.length > 1) branches.unshift(branch('q.every_term', KEYWORD_CANDIDATES));
    // The rows of the ranked few are joined last, so that ranking reads no more of them than it must.
    const { rows } = await this.query<MemoryRow & { score: number }>(
      `SELECT m.*, c.score
         FROM (SELECT c.id, c.bank_id, c.score, c.seq
                 FROM (SELECT ${each.join(' || ')} AS any_term, ${each.join(' && ')} AS every_term) AS q
                CROSS JOIN LATERAL (${branches.join(' UNION ')}) AS c
                ORDER BY c.score DESC, c.seq
                LIMIT ${params.add(limit)}) AS c
        ${joinRows(sql, 'c')}
        ORDER BY c.score DESC, c.seq`,
      params.values,
    );
    return rows.map((r) => ({ id: r.id, bankId: r.bank_id, score: Number(r.score), memory: toMemory(r) }));
  }

  /** Live memories of one bank by id, in the order asked, in one query. */
  async get(bankId: string, ids: string[]): Promise<Memory[]> {
    if (ids.length === 0) return [];
    const sql = this.sqlFor();
    const { rows } = await this.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM ${sql.memories} m WHERE m.bank_id = $1 AND m.id = ANY($2::text[])`,
      [bankId, ids],
    );
    const byId = new Map(rows.map((r) => [r.id, toMemory(r)]));
    return [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
  }

  /** A page of a bank's live memories in insertion order, with an opaque cursor. */
  async list(bankId: string, options: StoreListOptions): Promise<Page<Memory>> {
    const sql = this.sqlFor();
    const params = new Params();
    const where = [
      `m.bank_id = ${params.add(bankId)}`,
      ...filterConditions({ tags: options.tags, pathPrefix: options.pathPrefix }, params),
    ];
    if (options.cursor !== undefined) where.push(`m.seq > ${params.add(decodeCursor(options.cursor))}::bigint`);
    const { rows } = await this.query<MemoryRow & { seq: string }>(
      `SELECT ${MEMORY_COLUMNS}, m.seq FROM ${sql.memories} m WHERE ${where.join(' AND ')} ORDER BY m.seq LIMIT ${params.add(options.limit + 1)}`,
      params.values,
    );
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(toMemory),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.seq) : null,
    };
  }

  /** Live memories of a bank matching the selector: ids, else tags, else before, else expiredAt, else documentIds, else all. */
  async select(bankId: string, selector: MemorySelector): Promise<Memory[]> {
    const sql = this.sqlFor();
    const params = new Params();
    const where = [`m.bank_id = ${params.add(bankId)}`];
    if (selector.ids) where.push(`m.id = ANY(${params.add(selector.ids)}::text[])`);
    else if (selector.tags) where.push(`m.tags && ${params.add(selector.tags)}::text[]`);
    else if (selector.before) where.push(`m.created_at < ${params.add(selector.before)}`);
    else if (selector.expiredAt) where.push(`m.expires_at <= ${params.add(selector.expiredAt)}`);
    else if (selector.documentIds) where.push(`m.document_id = ANY(${params.add(selector.documentIds)}::text[])`);
    else if (selector.all !== true) return [];
    const { rows } = await this.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM ${sql.memories} m WHERE ${where.join(' AND ')} ORDER BY m.seq`,
      params.values,
    );
    return rows.map(toMemory);
  }

  /** Live memories and superseded ones linked by supersession to those the selector matches; see MemoryStore.chains. */
  async chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]> {
    this.checkOpen();
    const sql = this.sqlFor();
    return this.guard(() => chainMembers(this.pool, sql, bankId, selector));
  }

  /**
   * Erases live memories and superseded ones whose text is not yet erased: deletes the live rows (and with them
   * their vectors and tsvectors), rewrites their episode neighbours' keyword entries without their text, clears the
   * text and tags of the targets' versions and of every memory they superseded, directly or down a chain, and writes
   * a content-free tombstone for each target.
   */
  async erase(bankId: string, ids: string[], stamp: VersionStamp): Promise<string[]> {
    if (ids.length === 0) return [];
    const sql = this.sqlFor();
    const unique = [...new Set(ids)];
    const erasedIds = await this.transaction(async (client) => {
      await client.query(lockBanksSql(), [this.bankLockPrefix(), [bankId]]);
      // Chosen before anything is erased: erasing a memory empties the ones it replaced, which may be named too.
      const superseded = await supersededAmong(client, sql, bankId, unique);
      const { rows } = await client.query<{
        id: string;
        episode_id: string | null;
        episode_position: number | null;
      }>(
        `DELETE FROM ${sql.memories} WHERE bank_id = $1 AND id = ANY($2::text[]) RETURNING id, episode_id, episode_position`,
        [bankId, unique],
      );
      const targets = [...rows.map((r) => r.id), ...superseded];
      if (targets.length === 0) return [];
      await rewriteEpisodeNeighbours(client, sql, bankId, rows);
      await eraseChainContent(client, sql, bankId, targets);
      await client.query(
        `INSERT INTO ${sql.versions} (bank_id, memory_id, version, action, text, actor, reason, at)
         SELECT $1, e.id, ${nextVersionSql(sql, '$1', 'e.id')} + 1, $3, NULL, $4, $5, $6 FROM unnest($2::text[]) AS e(id)`,
        [bankId, targets, stamp.action, stamp.actor ?? null, stamp.reason ?? null, stamp.at],
      );
      const wasErased = new Set(targets);
      return unique.filter((id) => wasErased.has(id));
    });
    this.bankSizes.invalidate('shrunk');
    return erasedIds;
  }

  /** Live memories of any bank whose expiry is at or before `now`. */
  async expired(now: Date, limit: number): Promise<{ bankId: string; id: string }[]> {
    const sql = this.sqlFor();
    const { rows } = await this.query<{ bank_id: string; id: string }>(
      `SELECT bank_id, id FROM ${sql.memories} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({ bankId: r.bank_id, id: r.id }));
  }

  /** A memory's versions, oldest first. */
  async history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    const sql = this.sqlFor();
    const { rows } = await this.query<VersionRow>(
      `SELECT memory_id, bank_id, version, action, text, actor, reason, related_id, at FROM ${sql.versions}
        WHERE bank_id = $1 AND memory_id = $2 ORDER BY version`,
      [bankId, memoryId],
    );
    return rows.map(toVersion);
  }

  /** Every bank with live memories and its count. */
  async banks(): Promise<{ bankId: string; memoryCount: number }[]> {
    const sql = this.sqlFor();
    const { rows } = await this.query<{ bank_id: string; count: string }>(
      `SELECT bank_id, count(*) AS count FROM ${sql.memories} GROUP BY bank_id ORDER BY bank_id`,
    );
    return rows.map((r) => ({ bankId: r.bank_id, memoryCount: Number(r.count) }));
  }

  /**
   * Makes erasure physical. Erasing a memory leaves its text, tags, metadata and vector as dead bytes in the table
   * and index files, which VACUUM only marks free; this rewrites the store's tables and rebuilds their indexes
   * (VACUUM FULL) so that those bytes leave the files. Each table is held under an ACCESS EXCLUSIVE lock while it is
   * rewritten: every read and write of the store, from any process, waits until it is done, for a time that grows
   * with the table. It needs the tables' owner and free disk space for a copy of each table. Rows erased while a
   * transaction still open in the database could see them are copied along: run it when none is. The WAL, replicas
   * and backups keep the old bytes until they are recycled.
   */
  async compact(): Promise<void> {
    const sql = this.sqlFor();
    await this.query(`VACUUM (FULL) ${sql.memories}, ${sql.versions}`);
  }

  /** Ends the pool if this store created it; a pool passed in stays open for its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  private async sql(): Promise<StoreSql> {
    this.checkOpen();
    if (!this.embedder) this.embedder = await this.guard(() => this.readEmbedder(this.pool));
    if (!this.embedder) {
      throw new StorageError(
        '@astrocyte/brain-postgres: no embedder is recorded in this schema yet; call ensureEmbedder first (Astrocyte.create does)',
        {
          code: 'embedder_not_recorded',
          details: { schema: this.schema },
        },
      );
    }
    return this.sqlFor(this.embedder);
  }

  // Statements that do not touch embeddings need no embedder: the table names are all they use.
  private sqlFor(embedder?: StoredEmbedder): StoreSql {
    const s = quoteIdent(this.schema);
    const ext = this.extension.schema;
    return {
      schema: this.schema,
      memories: `${s}.memories`,
      versions: `${s}.memory_versions`,
      meta: `${s}.meta`,
      vectorType: `${ext}.${embedder?.columnType ?? 'vector'}`,
      distance: `OPERATOR(${ext}.<=>)`,
      indexCast:
        embedder?.columnType === 'vector' && embedder.index === 'halfvec'
          ? `::${ext}.halfvec(${embedder.dimensions})`
          : '',
    };
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
    if (this.storedSinceAnalyze < ANALYZE_MIN_ROWS) return;
    const table = `${quoteIdent(this.schema)}.memories`;
    try {
      const { rows } = await this.pool.query<{ reltuples: number }>(
        'SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)',
        [table],
      );
      const estimated = Number(rows[0]?.reltuples ?? -1);
      if (estimated >= 0 && this.storedSinceAnalyze < estimated * ANALYZE_GROWTH) return;
      this.storedSinceAnalyze = 0;
      await this.pool.query(`ANALYZE ${table} (bank_id, tsv, tags, path, created_at, occurred_at, expires_at)`);
    } catch {
      // The insert has committed; failing it now would make the caller retry stored work. Autovacuum remains.
    }
  }

  private bankLockPrefix(): string {
    return `astrocyte:${this.schema}:bank:`;
  }

  private async readEmbedder(client: pg.Pool | pg.PoolClient): Promise<StoredEmbedder | undefined> {
    const { rows } = await client.query<{ value: StoredEmbedder }>(
      `SELECT value FROM ${quoteIdent(this.schema)}.meta WHERE key = 'embedder'`,
    );
    return rows[0]?.value;
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    this.checkOpen();
    return this.guard(() => this.pool.query<R>(text, values));
  }

  // One connection for BEGIN..COMMIT; a broken connection is destroyed instead of going back to the pool.
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.checkOpen();
    return this.guard(async () => {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translateError(error, this.address, this.pool);
    }
  }

  private checkOpen(): void {
    if (this.closed)
      throw new StorageError('@astrocyte/brain-postgres: the store is closed', { code: 'store_closed' });
  }
}

// Postgres text and jsonb cannot hold NUL, and pgvector refuses NaN: reject before the transaction starts.
function checkRecord(record: MemoryRecord, dimensions: number, index: number): void {
  const field = `records[${index}]`;
  if (record.embedding.length !== dimensions) {
    throw new ValidationError(
      `${field}.embedding`,
      `has ${record.embedding.length} dimensions; the store holds ${dimensions}`,
    );
  }
  if (!record.embedding.every(Number.isFinite))
    throw new ValidationError(`${field}.embedding`, 'must hold finite numbers only');
  const nul = '\u0000';
  if (record.text.includes(nul))
    throw new ValidationError(`${field}.text`, 'must not contain NUL characters (Postgres cannot store them)');
  if (
    record.tags.some((t) => t.includes(nul)) ||
    [record.path, record.speaker, record.episodeId, record.documentId].some((value) => value?.includes(nul)) ||
    holdsNul(record.metadata)
  ) {
    throw new ValidationError(
      field,
      'tags, path, speaker, episode, document and metadata must not contain NUL characters (Postgres cannot store them)',
    );
  }
}

// A real NUL in a key or string of a JSON value: searching the JSON text would also match the literal text `\u0000`.
function holdsNul(value: JsonValue): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  return false;
}
