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
import type Database from 'better-sqlite3';
import { SqliteAccessLedger } from './access-ledger.js';
import { CandidateIndex } from './candidate-index/candidate-index.js';
import { IndexJournal } from './candidate-index/index-journal.js';
import { prepareSketches } from './candidate-index/sketch-backfill.js';
import { SqliteConnection } from './connection.js';
import { KeywordIndex } from './keyword-index.js';
import { KeywordSearch } from './keyword-search.js';
import { MemoryReads } from './memory-reads.js';
import { migrate } from './migrations.js';
import { SqliteReembedding } from './reembedding.js';
import { checkEmbedderInfo, readEmbedder, recordEmbedder } from './schema.js';
import { asStorageError } from './storage-errors.js';
import { describeStore } from './store-description.js';
import { parseSqliteStoreOptions, type SqliteStoreOptions } from './store-options.js';
import { VectorSearch } from './vector-search.js';
import { MemoryWriter } from './writer.js';

/**
 * The MemoryStore on SQLite: rows in `memories`, one float vector each in `memory_embeddings` (searched through the
 * in-process candidate index, or exactly with sqlite-vec under tag and path filters), text in an FTS5 index, history
 * in `memory_versions`. One connection for every write and most reads (a store on a file has one more, in a
 * worker thread that checkpoints and runs the keyword search: store-thread.ts), WAL mode, secure_delete on. A large
 * insert lets the event loop run between records while its transaction stays open: the store's other calls wait for
 * it, and statements a caller runs on a `database` it passed in during that time run inside it. Each method delegates
 * to a room: connection.ts, writer.ts, memory-reads.ts, vector-search.ts, keyword-search.ts.
 */
export class SqliteMemoryStore implements MemoryStore {
  readonly backend = 'sqlite';
  /** The underlying connection, for inspection; writing to the store's tables directly voids its guarantees. */
  readonly database: Database.Database;
  private readonly connection: SqliteConnection;
  private readonly reads: MemoryReads;
  private readonly writer: MemoryWriter;
  private readonly vectors: VectorSearch;
  private readonly keywords: KeywordSearch;
  private readonly index: CandidateIndex;
  private embedder: EmbedderInfo | null = null;
  /** Re-embedding: new vectors staged in `memory_reembed`, then switched to in one transaction (see reembedding.ts). */
  readonly reembedding: SqliteReembedding;
  /** Access control's counters and audit log, in `access_counters` and `access_audit` (see access-ledger.ts). */
  readonly accessLedger: SqliteAccessLedger;

  private constructor(connection: SqliteConnection, embedder: EmbedderInfo | undefined) {
    this.connection = connection;
    this.database = connection.database;
    migrate(connection.database, connection.busyTimeoutMs, embedder);
    this.index = new CandidateIndex(connection.database, connection.statements);
    const journal = new IndexJournal(connection.statements, this.index);
    const keywordIndex = new KeywordIndex(connection.statements);
    connection.follow(journal);
    connection.follow(keywordIndex);
    this.reembedding = new SqliteReembedding(connection, (target) => {
      this.embedder = target;
      this.index.reset(target.dimensions);
    });
    this.accessLedger = new SqliteAccessLedger(connection);
    this.reads = new MemoryReads(connection);
    this.keywords = new KeywordSearch(connection);
    this.writer = new MemoryWriter(connection, keywordIndex, this.index, journal);
    this.vectors = new VectorSearch(connection, this.index);
    const stored = readEmbedder(connection.database);
    if (stored) {
      this.embedder = stored;
      this.startIndex(stored.dimensions);
    }
  }

  /** Opens (or creates) a store at `options.path`, or over the caller's `options.database`. */
  static open(options: SqliteStoreOptions): SqliteMemoryStore {
    const parsed = parseSqliteStoreOptions(options);
    const connection = SqliteConnection.open(parsed);
    try {
      return new SqliteMemoryStore(connection, parsed.embedder);
    } catch (error) {
      connection.release();
      throw asStorageError('open', error);
    }
  }

  /** Records the embedder on first use; refuses another one. */
  async ensureEmbedder(info: EmbedderInfo): Promise<void> {
    this.connection.assertOpen();
    checkEmbedderInfo(info);
    // An embedder once recorded stays until a re-embedding replaces it: finding it recorded needs no write lock, so
    // opening a brain never waits for another process's write.
    const stored = await this.connection.read('ensureEmbedder', () => readEmbedder(this.database));
    if (stored) checkSameEmbedder(stored, info);
    else await this.connection.write('ensureEmbedder', () => recordEmbedder(this.database, info));
    this.embedder = { name: info.name, dimensions: info.dimensions };
    if (!this.index.started) this.startIndex(info.dimensions);
  }

  /** Stores records in one transaction, each checked against the bank and the batch's earlier records. */
  async insert(records: MemoryRecord[], options: InsertOptions): Promise<InsertOutcome[]> {
    this.connection.assertOpen();
    const recorded = this.requireEmbedder('insert');
    return this.writer.insert(records, options, options?.embedder ?? recorded);
  }

  /** The live memory of the bank with this content hash. */
  findByHash(bankId: string, contentHash: string): Promise<string | null> {
    return this.reads.findByHash(bankId, contentHash);
  }

  /** Cosine kNN over the banks, with every filter applied before the limit (see VectorSearch). */
  async vectorSearch(
    bankIds: string[],
    embedding: Float32Array,
    limit: number,
    filter: SearchFilter,
  ): Promise<ScoredId[]> {
    this.connection.assertOpen();
    return this.vectors.search(bankIds, embedding, limit, filter, this.requireEmbedder('vectorSearch'));
  }

  /** FTS5 search for any of the terms, best bm25 first, within a budget of scored rows (see KeywordSearch). */
  keywordSearch(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    return this.keywords.search(bankIds, terms, limit, filter);
  }

  /** Live memories of one bank by id, in the order asked, in one query. */
  get(bankId: string, ids: string[]): Promise<Memory[]> {
    return this.reads.get(bankId, ids);
  }

  /** Oldest first by (createdAt, id), filtered by tags and path; the cursor is the last row's sort key. */
  list(bankId: string, options: StoreListOptions): Promise<Page<Memory>> {
    return this.reads.list(bankId, options);
  }

  /** Live memories of the bank matching exactly one selector shape, oldest first. */
  select(bankId: string, selector: MemorySelector): Promise<Memory[]> {
    return this.reads.select(bankId, selector);
  }

  /** Live memories and superseded ones linked by supersession to those the selector matches. */
  chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]> {
    return this.reads.chains(bankId, selector);
  }

  /**
   * Deletes rows, vectors, index terms and tags, nulls every stored copy of the text and tags in history (down the
   * supersession chain), writes tombstones, then empties the WAL so the text is gone from the files too.
   */
  async erase(bankId: string, ids: string[], stamp: VersionStamp, options?: EraseOptions): Promise<string[]> {
    this.connection.assertOpen();
    if (ids.length === 0) return [];
    const erased = await this.writer.erase(bankId, ids, stamp, options);
    if (erased.length > 0) await this.connection.truncateWal();
    return erased;
  }

  /** Live memories of any bank whose expiry is at or before `now`, soonest expired first. */
  expired(now: Date, limit: number, options?: ExpiredOptions): Promise<{ bankId: string; id: string }[]> {
    return this.reads.expired(now, limit, options);
  }

  /** Every version of one memory of the bank, oldest first. */
  history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    return this.reads.history(bankId, memoryId);
  }

  /** Banks with live memories and their counts, by bank id. */
  banks(): Promise<{ bankId: string; memoryCount: number }[]> {
    return this.reads.banks();
  }

  /** VACUUM and an emptied WAL: erased text leaves the file's free pages (see SqliteConnection.compact). */
  compact(): Promise<void> {
    return this.connection.compact();
  }

  /** The versions of SQLite, sqlite-vec and the schema, the recorded embedder and the counts, read fresh. */
  describe(): Promise<StoreDescription> {
    return describeStore(this.connection);
  }

  /** Closes the connection if this store opened it; a database passed in by the caller stays open. */
  close(): Promise<void> {
    return this.connection.close();
  }

  private requireEmbedder(operation: string): EmbedderInfo {
    if (!this.embedder)
      throw new StorageError(
        `sqlite: ${operation} before ensureEmbedder; the vector index needs the embedder's dimension`,
        { code: 'store_not_ready' },
      );
    return this.embedder;
  }

  // The index needs the embedder's dimension; rows stored before sketches existed are sketched first.
  private startIndex(dimensions: number): void {
    prepareSketches(this.database, this.connection.statements, this.connection.busyTimeoutMs);
    this.index.start(dimensions);
  }
}

/** Opens a SQLite store; the function `Astrocyte.fromConfig` calls for `storage.backend: sqlite`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteMemoryStore> {
  return SqliteMemoryStore.open(options);
}
