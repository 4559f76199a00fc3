import { type Memory, type MemoryStore, type MemoryVersion, type Page, StorageError } from '@astrocyte/core';
import {
  type ChainMember,
  checkSameEmbedder,
  type EmbedderInfo,
  type EraseOptions,
  type ExpiredOptions,
  type InsertOptions,
  type InsertOutcome,
  type MemoryRecord,
  type MemorySelector,
  type ScoredId,
  type SearchFilter,
  type StoreDescription,
  type StoreListOptions,
  type VersionStamp,
} from '@astrocyte/core/backend';
import { PostgresAccessLedger } from './access-ledger.js';
import { PostgresConnection, type VectorExtension } from './connection.js';
import { KeywordSearch } from './keyword-search.js';
import { MemoryReads } from './memory-reads.js';
import { migrate, withMigrationLock } from './migrations.js';
import { PlannerStatistics } from './planner-statistics.js';
import { PostgresReembedding } from './reembedding.js';
import {
  checkEmbedderInfo,
  type EmbeddedSql,
  readEmbedder,
  recordEmbedder,
  type StoredEmbedder,
  type StoreSql,
  storeSql,
} from './schema.js';
import { describeStore } from './store-description.js';
import {
  type PostgresStoreOptions,
  parseOptions,
  postgresStoreOptionsSchema,
  type ResolvedPostgresStoreOptions,
} from './store-options.js';
import { VectorSearch } from './vector-search.js';
import { MemoryWriter } from './writer.js';

/** Opens (and migrates) a Postgres memory store; the config loader calls this for `storage.backend: postgres`. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresMemoryStore> {
  return PostgresMemoryStore.open(options);
}

/**
 * The MemoryStore SPI on Postgres with pgvector: an HNSW cosine index for vector search, a stored tsvector with a
 * GIN index for keyword search, advisory locks that make dedup atomic per bank across processes. Each method
 * delegates to a room: connection.ts, schema.ts, writer.ts, memory-reads.ts, vector-search.ts, keyword-search.ts.
 */
export class PostgresMemoryStore implements MemoryStore {
  readonly backend = 'postgres';
  readonly schema: string;
  // The names of statements that do not touch embeddings: the table names are all they use.
  private readonly tables: StoreSql;
  private readonly reads: MemoryReads;
  private readonly writer: MemoryWriter;
  private readonly vectors: VectorSearch;
  private readonly keywords: KeywordSearch;
  /** Re-embedding: new vectors staged in `reembed_vectors`, then switched to in one transaction (see reembedding.ts). */
  readonly reembedding: PostgresReembedding;
  /** Access control's counters and audit log, in `access_counters` and `access_audit` (see access-ledger.ts). */
  readonly accessLedger: PostgresAccessLedger;

  private constructor(
    private readonly connection: PostgresConnection,
    private readonly options: ResolvedPostgresStoreOptions,
    private readonly extension: VectorExtension,
    private embedder: StoredEmbedder | undefined,
  ) {
    this.schema = options.schema;
    const tables = storeSql(this.schema, extension.schema);
    this.tables = tables;
    const statistics = new PlannerStatistics(connection.pool, tables.memories);
    this.reads = new MemoryReads(connection, tables);
    this.accessLedger = new PostgresAccessLedger(connection, tables);
    this.writer = new MemoryWriter(connection, tables, statistics, extension.iterativeScans);
    this.vectors = new VectorSearch(connection, statistics.bankSizes, {
      efSearch: options.hnsw.efSearch,
      iterativeScans: extension.iterativeScans,
    });
    this.keywords = new KeywordSearch(connection, tables, statistics.bankSizes, statistics.keywordStatistics);
    this.reembedding = new PostgresReembedding(connection, tables, extension.schema, options.hnsw, (stored) => {
      this.embedder = stored;
    });
  }

  /** Validates options, connects, runs pending migrations under the migration lock, and reads the embedder record. */
  static async open(input: PostgresStoreOptions): Promise<PostgresMemoryStore> {
    const options = parseOptions(postgresStoreOptionsSchema, input);
    const connection = PostgresConnection.open(options);
    try {
      const extension = await migrate(connection, options.schema, options);
      return new PostgresMemoryStore(
        connection,
        options,
        extension,
        await readEmbedder(connection.pool, options.schema),
      );
    } catch (error) {
      await connection.release();
      throw connection.translate(error);
    }
  }

  /** Records the embedder and creates the embedding column and its HNSW index on first use; refuses another one. */
  async ensureEmbedder(info: EmbedderInfo): Promise<void> {
    checkEmbedderInfo(info);
    if (this.embedder) return checkSameEmbedder(this.embedder, info);
    this.embedder = await withMigrationLock(this.connection, (client) =>
      recordEmbedder(client, this.schema, this.extension.schema, info, this.options.hnsw),
    );
    checkSameEmbedder(this.embedder, info);
  }

  /** Stores records in one transaction holding each involved bank's advisory lock; see MemoryStore.insert. */
  async insert(records: MemoryRecord[], options: InsertOptions): Promise<InsertOutcome[]> {
    if (records.length === 0) return [];
    const sql = await this.embedded();
    return this.writer.insert(records, options, sql, options.embedder ?? (this.embedder as StoredEmbedder));
  }

  /** The live memory of the bank with this content hash. */
  findByHash(bankId: string, contentHash: string): Promise<string | null> {
    return this.reads.findByHash(bankId, contentHash);
  }

  /** Cosine kNN over the banks, exact for small banks and through the HNSW index for large ones (see VectorSearch). */
  async vectorSearch(
    bankIds: string[],
    embedding: Float32Array,
    limit: number,
    filter: SearchFilter,
  ): Promise<ScoredId[]> {
    if (bankIds.length === 0 || limit < 1) return [];
    const sql = await this.embedded();
    return this.vectors.search(bankIds, embedding, limit, filter, sql, this.embedder as StoredEmbedder);
  }

  /** Full-text search for any of the terms, ranked by ts_rank with the keyword weights (see KeywordSearch). */
  keywordSearch(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    return this.keywords.search(bankIds, terms, limit, filter);
  }

  /** Live memories of one bank by id, in the order asked, in one query. */
  get(bankId: string, ids: string[]): Promise<Memory[]> {
    return this.reads.get(bankId, ids);
  }

  /** A page of a bank's live memories in insertion order, with an opaque cursor. */
  list(bankId: string, options: StoreListOptions): Promise<Page<Memory>> {
    return this.reads.list(bankId, options);
  }

  /** Live memories of a bank matching the selector: ids, else tags, else before, else expiredAt, else documentIds, else all. */
  select(bankId: string, selector: MemorySelector): Promise<Memory[]> {
    return this.reads.select(bankId, selector);
  }

  /** Live memories and superseded ones linked by supersession to those the selector matches; see MemoryStore.chains. */
  chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]> {
    return this.reads.chains(bankId, selector);
  }

  /** Erases live memories and superseded ones not yet erased, down their chains, leaving a tombstone for each. */
  erase(bankId: string, ids: string[], stamp: VersionStamp, options?: EraseOptions): Promise<string[]> {
    return this.writer.erase(bankId, ids, stamp, options);
  }

  /** Live memories of any bank whose expiry is at or before `now`. */
  expired(now: Date, limit: number, options?: ExpiredOptions): Promise<{ bankId: string; id: string }[]> {
    return this.reads.expired(now, limit, options);
  }

  /** A memory's versions, oldest first. */
  history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    return this.reads.history(bankId, memoryId);
  }

  /** Every bank with live memories and its count. */
  banks(): Promise<{ bankId: string; memoryCount: number }[]> {
    return this.reads.banks();
  }

  /** VACUUM FULL of the store's tables: erased text leaves the files (see PostgresConnection.compact). */
  compact(): Promise<void> {
    return this.connection.compact(this.tables);
  }

  /** The server's, pgvector's and the schema's versions, the recorded embedder and the counts, read fresh. */
  describe(): Promise<StoreDescription> {
    return describeStore(this.connection, this.schema);
  }

  /** Ends the pool if this store created it; a pool passed in stays open for its owner. */
  close(): Promise<void> {
    return this.connection.close();
  }

  // The names of statements that touch embeddings, from the embedder another process may have recorded since open.
  private async embedded(): Promise<EmbeddedSql> {
    this.connection.assertOpen();
    if (!this.embedder)
      this.embedder = await this.connection.guard(() => readEmbedder(this.connection.pool, this.schema));
    if (!this.embedder) {
      throw new StorageError(
        '@astrocyte/brain-postgres: no embedder is recorded in this schema yet; call ensureEmbedder first (Astrocyte.create does)',
        { code: 'embedder_not_recorded', details: { schema: this.schema } },
      );
    }
    return { ...storeSql(this.schema, this.extension.schema, this.embedder), dimensions: this.embedder.dimensions };
  }
}
