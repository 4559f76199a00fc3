import {
  type ChainMember,
  checkSameEmbedder,
  type EmbedderInfo,
  type InsertOptions,
  type InsertOutcome,
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
  type VersionStamp,
} from '@astrocyte/core';
import { PostgresConnection, type VectorExtension } from './connection.js';
import { keywordSearch } from './keyword-search.js';
import {
  bankCounts,
  expiredMemories,
  findByHash,
  getMemories,
  listMemories,
  memoryHistory,
  selectMemories,
} from './memory-reads.js';
import { migrate, withMigrationLock } from './migrations.js';
import { PlannerStatistics } from './planner-statistics.js';
import {
  checkDimensions,
  readEmbedder,
  recordEmbedder,
  type StoredEmbedder,
  type StoreSql,
  storeSql,
} from './schema.js';
import {
  type PostgresStoreOptions,
  parseOptions,
  postgresStoreOptionsSchema,
  type ResolvedPostgresStoreOptions,
} from './store-options.js';
import { chainMembers } from './supersession-chains.js';
import { vectorSearch } from './vector-search.js';
import { compactTables, eraseMemories, insertMemories, type WriterContext } from './writer.js';

/** Opens (and migrates) a Postgres memory store; the config loader calls this for `storage.backend: postgres`. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresMemoryStore> {
  return PostgresMemoryStore.open(options);
}

/**
 * The MemoryStore SPI on Postgres with pgvector: an HNSW cosine index for vector search, a stored tsvector with a
 * GIN index for keyword search, advisory locks that make dedup atomic per bank across processes. Each method
 * delegates to the room that does the job: connection, schema, writer, vector and keyword search, reads, chains.
 */
export class PostgresMemoryStore implements MemoryStore {
  readonly backend = 'postgres';
  readonly schema: string;
  private readonly statistics: PlannerStatistics;

  private constructor(
    private readonly db: PostgresConnection,
    private readonly options: ResolvedPostgresStoreOptions,
    private readonly extension: VectorExtension,
    private embedder: StoredEmbedder | undefined,
  ) {
    this.schema = options.schema;
    this.statistics = new PlannerStatistics(db.pool, this.sqlFor().memories);
  }

  /** Validates options, connects, runs pending migrations under the migration lock, and reads the embedder record. */
  static async open(input: PostgresStoreOptions): Promise<PostgresMemoryStore> {
    const options = parseOptions(postgresStoreOptionsSchema, input);
    const db = PostgresConnection.open(options);
    try {
      const extension = await migrate(db.pool, options.schema, db.address);
      return new PostgresMemoryStore(db, options, extension, await readEmbedder(db.pool, options.schema));
    } catch (error) {
      await db.abandon();
      throw db.translate(error);
    }
  }

  /** Records the embedder and creates the embedding column and its HNSW index on first use; refuses another one. */
  async ensureEmbedder(info: EmbedderInfo): Promise<void> {
    checkDimensions(info);
    if (this.embedder) return checkSameEmbedder(this.embedder, info);
    this.embedder = await this.db.guard(() =>
      withMigrationLock(this.db.pool, (client) =>
        recordEmbedder(client, this.schema, this.extension.schema, info, this.options.hnsw),
      ),
    );
    checkSameEmbedder(this.embedder, info);
  }

  /** Stores records in one transaction holding each involved bank's advisory lock; see MemoryStore.insert. */
  async insert(records: MemoryRecord[], options: InsertOptions): Promise<InsertOutcome[]> {
    if (records.length === 0) return [];
    const sql = await this.sql();
    const dimensions = (this.embedder as StoredEmbedder).dimensions;
    return insertMemories(this.writer(sql), dimensions, records, options);
  }

  /** The live memory of the bank with this content hash. */
  async findByHash(bankId: string, contentHash: string): Promise<string | null> {
    return findByHash(this.db, this.sqlFor(), bankId, contentHash);
  }

  /** Cosine kNN over the given banks, exact for small banks and through the HNSW index for large ones. */
  async vectorSearch(
    bankIds: string[],
    embedding: Float32Array,
    limit: number,
    filter: SearchFilter,
  ): Promise<ScoredId[]> {
    if (bankIds.length === 0 || limit < 1) return [];
    const context = {
      db: this.db,
      sql: await this.sql(),
      bankSizes: this.statistics.bankSizes,
      efSearch: this.options.hnsw.efSearch,
      iterativeScans: this.extension.iterativeScans,
    };
    return vectorSearch(context, bankIds, embedding, limit, filter);
  }

  /** Full-text search on the stored tsvector, any of the terms, ranked by ts_rank with the keyword weights. */
  async keywordSearch(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    const context = { db: this.db, sql: this.sqlFor(), bankSizes: this.statistics.bankSizes };
    return keywordSearch(context, bankIds, terms, limit, filter);
  }

  /** Live memories of one bank by id, in the order asked, in one query. */
  async get(bankId: string, ids: string[]): Promise<Memory[]> {
    return getMemories(this.db, this.sqlFor(), bankId, ids);
  }

  /** A page of a bank's live memories in insertion order, with an opaque cursor. */
  async list(bankId: string, options: StoreListOptions): Promise<Page<Memory>> {
    return listMemories(this.db, this.sqlFor(), bankId, options);
  }

  /** Live memories of a bank matching the selector: ids, else tags, else before, else expiredAt, else documentIds, else all. */
  async select(bankId: string, selector: MemorySelector): Promise<Memory[]> {
    return selectMemories(this.db, this.sqlFor(), bankId, selector);
  }

  /** Live memories and superseded ones linked by supersession to those the selector matches; see MemoryStore.chains. */
  async chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]> {
    this.db.checkOpen();
    const sql = this.sqlFor();
    return this.db.guard(() => chainMembers(this.db.pool, sql, bankId, selector));
  }

  /** Erases live memories and superseded ones not yet erased, down their chains, leaving a tombstone for each. */
  async erase(bankId: string, ids: string[], stamp: VersionStamp): Promise<string[]> {
    return eraseMemories(this.writer(this.sqlFor()), bankId, ids, stamp);
  }

  /** Live memories of any bank whose expiry is at or before `now`. */
  async expired(now: Date, limit: number): Promise<{ bankId: string; id: string }[]> {
    return expiredMemories(this.db, this.sqlFor(), now, limit);
  }

  /** A memory's versions, oldest first. */
  async history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    return memoryHistory(this.db, this.sqlFor(), bankId, memoryId);
  }

  /** Every bank with live memories and its count. */
  async banks(): Promise<{ bankId: string; memoryCount: number }[]> {
    return bankCounts(this.db, this.sqlFor());
  }

  /** Makes erasure physical by rewriting the tables (VACUUM FULL, under an ACCESS EXCLUSIVE lock); see compactTables. */
  async compact(): Promise<void> {
    return compactTables(this.db, this.sqlFor());
  }

  /** Ends the pool if this store created it; a pool passed in stays open for its owner. */
  async close(): Promise<void> {
    await this.db.close();
  }

  // The names of statements that touch embeddings, which need the embedder another process may have recorded since.
  private async sql(): Promise<StoreSql> {
    this.db.checkOpen();
    if (!this.embedder) this.embedder = await this.db.guard(() => readEmbedder(this.db.pool, this.schema));
    if (!this.embedder) {
      throw new StorageError(
        '@astrocyte/brain-postgres: no embedder is recorded in this schema yet; call ensureEmbedder first (Astrocyte.create does)',
        { code: 'embedder_not_recorded', details: { schema: this.schema } },
      );
    }
    return this.sqlFor(this.embedder);
  }

  private sqlFor(embedder?: StoredEmbedder): StoreSql {
    return storeSql(this.schema, this.extension.schema, embedder);
  }

  private writer(sql: StoreSql): WriterContext {
    return { db: this.db, sql, statistics: this.statistics, iterativeScans: this.extension.iterativeScans };
  }
}
