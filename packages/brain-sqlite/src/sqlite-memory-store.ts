import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AstrocyteError,
  type ChainMember,
  checkSameEmbedder,
  DEFAULT_LIMITS,
  type EmbedderInfo,
  type InsertOptions,
  type InsertOutcome,
  MEMORY_COLUMNS,
  type Memory,
  type MemoryRecord,
  type MemorySelector,
  type MemoryStore,
  type MemoryVersion,
  mergeTags,
  type Page,
  type ScoredId,
  type SearchFilter,
  StorageError,
  type StoreListOptions,
  TimeSlicer,
  ValidationError,
  type VersionStamp,
} from '@astrocyte/core';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { CheckpointWorker } from './checkpoint-worker.js';
import { ftsMatchExpression } from './fts-query.js';
import { KEYWORD_RANK_SQL, KeywordIndex } from './keyword-index.js';
import { KeywordPlanner } from './keyword-plan.js';
import { decodeCursor, encodeCursor, type MemoryRow, toMemory, toVersion, type VersionRow } from './memory-rows.js';
import { migrate } from './schema-migrations.js';
import { filterSql, MAX_TIME_MS, MIN_TIME_MS } from './search-filter-sql.js';
import { parseSqliteStoreOptions, type SqliteStoreOptions } from './sqlite-store-options.js';
import { StatementCache } from './statement-cache.js';
import { chainMembers, eraseChainContent, supersededAmong } from './supersession-chains.js';
import { floats, VectorIndex } from './vector-index.js';
import { SKETCH_SCHEME, sketchVector, type VectorSketch } from './vector-sketch.js';
import { WalTruncation } from './wal-truncation.js';

// sqlite-vec refuses a k above this in one kNN query.
const VEC_K_MAX = 4096;
// Up to this many rows matching a tag or path filter, search them exactly instead of overfetching the kNN index.
const EXACT_CANDIDATE_MAX = 20_000;
// sqlite-vec's largest vector.
const MAX_DIMENSIONS = 8192;

type Row = Record<string, unknown>;
// What taking a memory out of the live tables needs to know of it.
const LIVE_ROW_COLUMNS = 'm.seq, m.id, m.bank_id, m.text';
type LiveRow = { seq: number; id: string; bank_id: string; text: string };
type KnnRow = { id: string; bank_id: string; distance: number; ok?: number };

/**
 * The MemoryStore on SQLite: rows in `memories`, vectors in a sqlite-vec `vec0` table partitioned by bank, text in an
 * FTS5 index, history in `memory_versions`. One connection, WAL mode, secure_delete on. A large insert lets the event
 * loop run between records while its transaction stays open: the store's other calls wait for it, and statements a
 * caller runs on a `database` it passed in during that time run inside it.
 */
export class SqliteMemoryStore implements MemoryStore {
  readonly backend = 'sqlite';
  /** The underlying connection, for inspection; writing to the store's tables directly voids its guarantees. */
  readonly database: Database.Database;
  private readonly ownsDatabase: boolean;
  private readonly isFile: boolean;
  private readonly statements: StatementCache;
  private embedder: EmbedderInfo | null = null;
  private index: VectorIndex | null = null;
  private readonly keywordPlanner: KeywordPlanner;
  private readonly keywords: KeywordIndex;
  // The erase_epoch value the current write transaction set, once it has deleted a row.
  private epochWritten: string | null = null;
  // The write transaction in progress, which may span turns of the event loop; every other call waits for it.
  private writing: Promise<unknown> | null = null;
  private readonly wal: WalTruncation;
  private readonly checkpoints: CheckpointWorker | null;
  private closed = false;

  private constructor(database: Database.Database, ownsDatabase: boolean, busyTimeoutMs: number) {
    this.database = database;
    this.ownsDatabase = ownsDatabase;
    this.isFile = !database.memory;
    this.statements = new StatementCache(database);
    this.keywordPlanner = new KeywordPlanner(database);
    this.keywords = new KeywordIndex(this.statements);
    this.wal = new WalTruncation(database, busyTimeoutMs);
    this.checkpoints = this.isFile ? new CheckpointWorker(database.name) : null;
    try {
      loadSqliteVec(database);
      database.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // Erased text must not survive in freed pages of the file.
      database.pragma('secure_delete = ON');
      if (this.isFile) {
        database.pragma('journal_mode = WAL');
        database.pragma('synchronous = NORMAL');
      }
      migrate(database);
      const stored = this.readEmbedder();
      if (stored) this.createVectorTable(stored.dimensions);
      this.embedder = stored;
      if (stored) this.startIndex(stored.dimensions);
    } catch (error) {
      if (ownsDatabase) database.close();
      throw asStorageError('open', error);
    }
  }

  /** Opens (or creates) a store at `options.path`, or over the caller's `options.database`. */
  static open(options: SqliteStoreOptions): SqliteMemoryStore {
    const parsed = parseSqliteStoreOptions(options);
    const busyTimeoutMs = parsed.busyTimeoutMs ?? 5000;
    if (parsed.database) {
      if (!parsed.database.open) throw new StorageError('@astrocyte/brain-sqlite: the database passed in is closed');
      return new SqliteMemoryStore(parsed.database, false, busyTimeoutMs);
    }
    const path = parsed.path as string;
    let database: Database.Database;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      database = new Database(path);
    } catch (error) {
      throw new StorageError(`@astrocyte/brain-sqlite: cannot open ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new SqliteMemoryStore(database, true, busyTimeoutMs);
  }

  /** Records the embedder on first use and creates the vector table for its dimension; refuses another one. */
  async ensureEmbedder(info: EmbedderInfo): Promise<void> {
    this.assertOpen();
    if (typeof info?.name !== 'string' || info.name.length === 0)
      throw new ValidationError('embedder.name', 'must be a non-empty string');
    if (!Number.isInteger(info.dimensions) || info.dimensions < 1 || info.dimensions > MAX_DIMENSIONS) {
      throw new ValidationError(
        'embedder.dimensions',
        `must be an integer from 1 to ${MAX_DIMENSIONS}, got ${info.dimensions}`,
      );
    }
    await this.write('ensureEmbedder', () => {
      // Read inside the write lock: another process may have recorded an embedder since this one opened.
      const stored = this.readEmbedder();
      if (stored) checkSameEmbedder(stored, info);
      else {
        this.stmt("INSERT INTO astrocyte_meta (key, value) VALUES ('embedder', ?)").run(
          JSON.stringify({ name: info.name, dimensions: info.dimensions }),
        );
      }
      this.createVectorTable(info.dimensions);
    });
    this.embedder = { name: info.name, dimensions: info.dimensions };
    if (!this.index) this.startIndex(info.dimensions);
  }

  /**
   * Stores records in one IMMEDIATE transaction, each checked against the bank and the batch's earlier records. A
   * large batch gives the event loop turns between records (TimeSlicer) without ending the transaction.
   */
  async insert(records: MemoryRecord[], options: InsertOptions): Promise<InsertOutcome[]> {
    this.assertOpen();
    const dimensions = this.requireEmbedder('insert');
    const threshold = options?.nearDuplicateThreshold ?? null;
    if (threshold !== null && !(typeof threshold === 'number' && threshold > 0 && threshold <= 1)) {
      throw new ValidationError('nearDuplicateThreshold', 'must be null or a number in (0, 1]');
    }
    for (const [i, record] of records.entries())
      checkEmbedding(record.embedding, dimensions, `records[${i}].embedding`);
    const slicer = new TimeSlicer();
    const sketches: VectorSketch[] = [];
    for (const record of records) {
      sketches.push(sketchVector(record.embedding));
      await slicer.tick();
    }
    return this.write('insert', async (tick) => {
      // Load the banks before the first insert, so that a bank's index never holds a row this transaction wrote
      // without the journal knowing it.
      if (threshold !== null) for (const bankId of new Set(records.map((r) => r.bankId))) this.vectors().bank(bankId);
      const maxTags = options?.maxTags ?? DEFAULT_LIMITS.maxTags;
      const outcomes: InsertOutcome[] = [];
      for (const [i, record] of records.entries()) {
        outcomes.push(this.insertOne(record, sketches[i] as VectorSketch, threshold, maxTags));
        await tick();
      }
      return outcomes;
    });
  }

  /** The live memory of the bank with this content hash. */
  async findByHash(bankId: string, contentHash: string): Promise<string | null> {
    this.assertOpen();
    const row = (await this.read('findByHash', () =>
      this.stmt('SELECT id FROM memories WHERE bank_id = ? AND content_hash = ?').get(bankId, contentHash),
    )) as { id: string } | undefined;
    return row?.id ?? null;
  }

  /**
   * Cosine kNN over the banks, with every filter applied before the limit. Without tag or path filters it runs on
   * the candidate index (exact scores, approximate candidates; exact for banks up to MIN_CANDIDATES rows); with
   * them, exactly on sqlite-vec.
   */
  async vectorSearch(
    bankIds: string[],
    embedding: Float32Array,
    limit: number,
    filter: SearchFilter,
  ): Promise<ScoredId[]> {
    this.assertOpen();
    const dimensions = this.requireEmbedder('vectorSearch');
    checkEmbedding(embedding, dimensions, 'embedding');
    const banks = [...new Set(bankIds)];
    const k = Math.min(Math.floor(limit), VEC_K_MAX);
    if (banks.length === 0 || !(k > 0)) return [];
    return this.readIndexed('vectorSearch', () => {
      const base = {
        q: vectorBlob(embedding),
        banks: JSON.stringify(banks),
        from: BigInt(filter.from?.getTime() ?? MIN_TIME_MS),
        to: BigInt(filter.to?.getTime() ?? MAX_TIME_MS),
        now: BigInt(filter.now.getTime()),
      };
      const rowFilter = filterSql(filter, { expiry: false, time: false });
      if (!rowFilter.needsRowFilter) {
        const hits = this.vectors().search(banks, embedding, k, {
          from: filter.from?.getTime() ?? Number.NEGATIVE_INFINITY,
          to: filter.to?.getTime() ?? Number.POSITIVE_INFINITY,
          now: filter.now.getTime(),
        });
        if (hits) return hits.map((h) => ({ id: h.id, bankId: h.bankId, score: h.similarity }));
        // A zero query vector has no direction; sqlite-vec decides what that means, as it always did.
        return toScored(this.knn(false, false, '').all({ ...base, k }) as KnnRow[], k);
      }

      const full = filterSql(filter);
      const candidates = this.stmt(
        `SELECT m.seq FROM memories m WHERE m.bank_id IN (SELECT value FROM json_each(@banks))${full.where} LIMIT @cap`,
      )
        .pluck()
        .all({ ...full.params, banks: base.banks, cap: EXACT_CANDIDATE_MAX + 1 }) as number[];
      if (candidates.length === 0) return [];
      if (candidates.length <= EXACT_CANDIDATE_MAX) return this.knnAmong(base, candidates, k);

      // Many rows match: overfetch the index and filter, widening until the limit is filled or the banks run out.
      for (let fetch = Math.min(VEC_K_MAX, k * 8); ; fetch = Math.min(VEC_K_MAX, fetch * 4)) {
        const rows = this.knn(true, false, rowFilter.where).all({ ...base, ...rowFilter.params, k: fetch }) as KnnRow[];
        const hits = toScored(
          rows.filter((r) => r.ok === 1),
          k,
        );
        const perBank = countBy(rows, (r) => r.bank_id);
        const exhausted = [...perBank.values()].every((n) => n < fetch);
        if (hits.length >= k || exhausted) return hits;
        if (fetch === VEC_K_MAX) break;
      }
      const all = this.stmt(
        `SELECT m.seq FROM memories m WHERE m.bank_id IN (SELECT value FROM json_each(@banks))${full.where}`,
      )
        .pluck()
        .all({ ...full.params, banks: base.banks }) as number[];
      return this.knnAmong(base, all, k);
    });
  }

  /**
   * FTS5 search for any of the terms, best bm25 first; each term is quoted so it can only ever be a word. Within a
   * budget of scored rows (see KeywordPlanner): the most common terms are left out when the terms together match
   * more rows than that, and only the newest matches are scored when even the rarest term does.
   */
  async keywordSearch(bankIds: string[], terms: string[], limit: number, filter: SearchFilter): Promise<ScoredId[]> {
    this.assertOpen();
    const banks = [...new Set(bankIds)];
    if (banks.length === 0 || ftsMatchExpression(terms ?? []) === null || !(limit >= 1)) return [];
    const f = filterSql(filter);
    const rows = await this.read('keywordSearch', () => {
      const plan = this.keywordPlanner.plan([...new Set(terms)]);
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
      const first = this.stmt(
        `WITH hits AS MATERIALIZED (SELECT rowid, rank FROM (${matches}) ORDER BY rank LIMIT @fetch)
         SELECT m.id, m.bank_id, hits.rank FROM hits JOIN memories m ON m.seq = hits.rowid
         WHERE m.bank_id IN (SELECT value FROM json_each(@banks))${f.where}
         ORDER BY hits.rank LIMIT @limit`,
      ).all(params) as { id: string; bank_id: string; rank: number }[];
      if (first.length >= limit) return first;
      return this.stmt(
        `WITH hits AS MATERIALIZED (${matches})
         SELECT m.id, m.bank_id, hits.rank FROM hits JOIN memories m ON m.seq = hits.rowid
         WHERE m.bank_id IN (SELECT value FROM json_each(@banks))${f.where}
         ORDER BY hits.rank LIMIT @limit`,
      ).all(params) as { id: string; bank_id: string; rank: number }[];
    });
    return rows.map((r) => ({ id: r.id, bankId: r.bank_id, score: -r.rank }));
  }

  /** Live memories of one bank by id, in the order asked, in one query. */
  async get(bankId: string, ids: string[]): Promise<Memory[]> {
    this.assertOpen();
    if (ids.length === 0) return [];
    const rows = (await this.read('get', () =>
      this.stmt(
        // Driven from the id list through the unique id index: `m.id IN (...)` let the planner walk the whole bank.
        `SELECT ${MEMORY_COLUMNS} FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE m.bank_id = ?`,
      ).all(JSON.stringify(ids), bankId),
    )) as MemoryRow[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return [...new Set(ids)].flatMap((id) => {
      const row = byId.get(id);
      return row ? [toMemory(row)] : [];
    });
  }

  /** Oldest first by (createdAt, id), filtered by tags and path; the cursor is the last row's sort key. */
  async list(bankId: string, options: StoreListOptions): Promise<Page<Memory>> {
    this.assertOpen();
    const after = options.cursor ? decodeCursor(options.cursor) : null;
    const limit = Math.max(1, Math.floor(options.limit));
    const f = filterSql({
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.pathPrefix ? { pathPrefix: options.pathPrefix } : {}),
    });
    const rows = (await this.read('list', () =>
      this.stmt(
        `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.bank_id = @bank${f.where}
         ${after ? 'AND (m.created_at > @afterAt OR (m.created_at = @afterAt AND m.id > @afterId))' : ''}
         ORDER BY m.created_at, m.id LIMIT @limit`,
      ).all({
        ...f.params,
        bank: bankId,
        limit: limit + 1,
        ...(after ? { afterAt: after.createdAt, afterId: after.id } : {}),
      }),
    )) as MemoryRow[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toMemory),
      nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  /** Live memories of the bank matching exactly one selector shape, oldest first. */
  async select(bankId: string, selector: MemorySelector): Promise<Memory[]> {
    this.assertOpen();
    const base = `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.bank_id = @bank`;
    const order = 'ORDER BY m.created_at, m.id';
    const rows = (await this.read('select', () => {
      if (selector.ids)
        return this.stmt(
          `SELECT ${MEMORY_COLUMNS} FROM json_each(@ids) j CROSS JOIN memories m ON m.id = j.value
           WHERE m.bank_id = @bank ${order}`,
        ).all({
          bank: bankId,
          ids: JSON.stringify([...new Set(selector.ids)]),
        });
      if (selector.tags) {
        return this.stmt(`${base}${filterSql({ tags: selector.tags }).where} ${order}`).all({
          bank: bankId,
          tags: JSON.stringify([...new Set(selector.tags)]),
        });
      }
      if (selector.before)
        return this.stmt(`${base} AND m.created_at < @before ${order}`).all({
          bank: bankId,
          before: selector.before.getTime(),
        });
      if (selector.expiredAt) {
        return this.stmt(`${base} AND m.expires_at IS NOT NULL AND m.expires_at <= @at ${order}`).all({
          bank: bankId,
          at: selector.expiredAt.getTime(),
        });
      }
      if (selector.documentIds) {
        return this.stmt(`${base} AND m.document_id IN (SELECT value FROM json_each(@documents)) ${order}`).all({
          bank: bankId,
          documents: JSON.stringify([...new Set(selector.documentIds)]),
        });
      }
      if (selector.all === true) return this.stmt(`${base} ${order}`).all({ bank: bankId });
      throw new ValidationError('selector', 'give one of ids, tags, before, all or expiredAt');
    })) as MemoryRow[];
    return rows.map(toMemory);
  }

  /** Live memories and superseded ones linked by supersession to those the selector matches. */
  async chains(bankId: string, selector: MemorySelector): Promise<ChainMember[]> {
    this.assertOpen();
    return this.read('chains', () => chainMembers(this.statements, bankId, selector));
  }

  /**
   * Deletes rows, vectors, index terms and tags, nulls every stored copy of the text and tags in history (down the
   * supersession chain), writes tombstones, then empties the WAL so the text is gone from the files too.
   */
  async erase(bankId: string, ids: string[], stamp: VersionStamp): Promise<string[]> {
    this.assertOpen();
    if (ids.length === 0) return [];
    const erased = await this.write('erase', () => {
      const unique = JSON.stringify([...new Set(ids)]);
      const rows = this.stmt(
        `SELECT ${LIVE_ROW_COLUMNS} FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value WHERE m.bank_id = ?`,
      ).all(unique, bankId) as LiveRow[];
      // Chosen before anything is erased: erasing a memory empties the ones it replaced, which may be named too.
      const superseded = supersededAmong(this.statements, bankId, JSON.parse(unique) as string[]);
      for (const row of rows) this.removeLive(row);
      const targets = [...rows.map((row) => row.id), ...superseded];
      for (const id of targets) {
        eraseChainContent(this.statements, bankId, id);
        this.addVersion(id, bankId, stamp, null, null);
      }
      return targets;
    });
    if (erased.length > 0 && this.isFile) await this.wal.truncate();
    return erased;
  }

  /** Live memories of any bank whose expiry is at or before `now`, soonest expired first. */
  async expired(now: Date, limit: number): Promise<{ bankId: string; id: string }[]> {
    this.assertOpen();
    const rows = (await this.read('expired', () =>
      this.stmt(
        'SELECT bank_id, id FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?',
      ).all(now.getTime(), Math.max(0, Math.floor(limit))),
    )) as { bank_id: string; id: string }[];
    return rows.map((r) => ({ bankId: r.bank_id, id: r.id }));
  }

  /** Every version of one memory of the bank, oldest first. */
  async history(bankId: string, memoryId: string): Promise<MemoryVersion[]> {
    this.assertOpen();
    const rows = (await this.read('history', () =>
      this.stmt('SELECT * FROM memory_versions WHERE bank_id = ? AND memory_id = ? ORDER BY version').all(
        bankId,
        memoryId,
      ),
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  /** Banks with live memories and their counts, by bank id. */
  async banks(): Promise<{ bankId: string; memoryCount: number }[]> {
    this.assertOpen();
    const rows = (await this.read('banks', () =>
      this.stmt('SELECT bank_id, count(*) AS n FROM memories GROUP BY bank_id ORDER BY bank_id').all(),
    )) as { bank_id: string; n: number }[];
    return rows.map((r) => ({ bankId: r.bank_id, memoryCount: r.n }));
  }

  /**
   * VACUUM, then a truncating checkpoint: the file is rewritten without free pages and the WAL emptied. It holds
   * the database's write lock and waits for this store's writes; other connections' writes wait or get busy.
   */
  async compact(): Promise<void> {
    await this.read('compact', () => {
      this.database.exec('VACUUM');
      this.database.pragma('wal_checkpoint(TRUNCATE)');
    });
  }

  /** Closes the connection if this store opened it; a database passed in by the caller stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.writing) await this.writing.catch(() => undefined);
    this.closed = true;
    this.wal.stop();
    await this.checkpoints?.close();
    this.statements.clear();
    if (this.ownsDatabase) this.database.close();
  }

  private insertOne(
    record: MemoryRecord,
    sketch: VectorSketch,
    threshold: number | null,
    maxTags: number,
  ): InsertOutcome {
    const exact = this.stmt('SELECT id FROM memories WHERE bank_id = ? AND content_hash = ?').get(
      record.bankId,
      record.contentHash,
    ) as { id: string } | undefined;
    // The memory being superseded is not a duplicate of its correction, which is usually worded almost alike.
    if (exact && exact.id !== record.supersedes) return this.duplicate(record, exact.id, 'exact', 1, maxTags);
    if (threshold !== null) {
      const near = this.vectors().nearDuplicate(record.bankId, record.embedding, sketch, threshold, record.supersedes);
      if (near && this.sameTime(record, near.id))
        return this.duplicate(record, near.id, 'near', near.similarity, maxTags);
    }
    if (record.supersedes !== null) this.supersede(record);

    if (record.episodeId !== null) this.keywords.appending(record.bankId, record.episodeId);
    const position =
      record.episodeId === null
        ? null
        : (this.stmt(
            'SELECT COALESCE(MAX(episode_position), -1) + 1 FROM memories WHERE bank_id = ? AND episode_id = ?',
          )
            .pluck()
            .get(record.bankId, record.episodeId) as number);
    const { lastInsertRowid } = this.stmt(
      `INSERT INTO memories (id, bank_id, text, content_hash, tags, metadata, path, created_at, occurred_at, expires_at,
                             speaker, episode_id, episode_position, document_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      record.id,
      record.bankId,
      record.text,
      record.contentHash,
      JSON.stringify(record.tags),
      JSON.stringify(record.metadata),
      record.path,
      record.createdAt.getTime(),
      record.occurredAt?.getTime() ?? null,
      record.expiresAt?.getTime() ?? null,
      record.speaker,
      record.episodeId,
      position,
      record.documentId,
    );
    const seq = BigInt(lastInsertRowid);
    const addTag = this.stmt('INSERT OR IGNORE INTO memory_tags (seq, bank_id, tag) VALUES (?, ?, ?)');
    for (const tag of record.tags) addTag.run(seq, record.bankId, tag);
    this.keywords.added(Number(seq));
    const moment = (record.occurredAt ?? record.createdAt).getTime();
    const expiresAt = record.expiresAt?.getTime() ?? null;
    const vector = vectorBlob(record.embedding);
    this.stmt('INSERT INTO memory_vectors (rowid, bank_id, embedding, moment, expires_at) VALUES (?, ?, ?, ?, ?)').run(
      seq,
      record.bankId,
      vector,
      BigInt(moment),
      BigInt(expiresAt ?? MAX_TIME_MS),
    );
    this.storeSketch(seq, record.bankId, moment, expiresAt, sketch, vector);
    for (const stamp of record.versions) this.addVersion(record.id, record.bankId, stamp, record.text, null);
    return { status: 'stored', id: record.id };
  }

  // A near match is a duplicate only of the same moment: the same words at another time are another event.
  private sameTime(record: MemoryRecord, id: string): boolean {
    if (record.occurredAt === null) return true;
    const at = this.stmt('SELECT occurred_at FROM memories WHERE bank_id = ? AND id = ?')
      .pluck()
      .get(record.bankId, id) as number | null | undefined;
    return at === record.occurredAt.getTime();
  }

  // A duplicate brings its new tags to the memory it repeats, so a repeated retain never loses them.
  private duplicate(
    record: MemoryRecord,
    duplicateOf: string,
    match: 'exact' | 'near',
    similarity: number,
    maxTags: number,
  ): InsertOutcome {
    const row = this.stmt('SELECT seq, tags FROM memories WHERE bank_id = ? AND id = ?').get(
      record.bankId,
      duplicateOf,
    ) as { seq: number; tags: string } | undefined;
    const stored = row ? (JSON.parse(row.tags) as string[]) : [];
    const addedTags = row ? mergeTags(stored, record.tags, maxTags) : [];
    if (row && addedTags.length > 0) {
      this.stmt('UPDATE memories SET tags = ? WHERE seq = ?').run(JSON.stringify([...stored, ...addedTags]), row.seq);
      const addTag = this.stmt('INSERT OR IGNORE INTO memory_tags (seq, bank_id, tag) VALUES (?, ?, ?)');
      for (const tag of addedTags) addTag.run(row.seq, record.bankId, tag);
    }
    return { status: 'duplicate', duplicateOf, match, similarity, addedTags };
  }

  private storeSketch(
    seq: bigint,
    bankId: string,
    moment: number,
    expiresAt: number | null,
    sketch: VectorSketch,
    vector: Buffer,
  ): void {
    this.stmt(
      `INSERT INTO memory_sketches (seq, bank_id, moment, expires_at, signature, code, scale)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      seq,
      bankId,
      moment,
      expiresAt,
      Buffer.from(sketch.signature.buffer, sketch.signature.byteOffset, sketch.signature.byteLength),
      Buffer.from(sketch.code.buffer, sketch.code.byteOffset, sketch.code.byteLength),
      sketch.scale,
    );
    this.stmt('INSERT INTO memory_embeddings (seq, embedding) VALUES (?, ?)').run(seq, vector);
    this.index?.added(bankId, Number(seq), moment, expiresAt, sketch);
  }

  // Takes the superseded memory out of every live table; its history keeps the text and tags until it is erased.
  private supersede(record: MemoryRecord): void {
    const old = this.stmt(`SELECT ${LIVE_ROW_COLUMNS}, m.tags FROM memories m WHERE m.bank_id = ? AND m.id = ?`).get(
      record.bankId,
      record.supersedes,
    ) as (LiveRow & { tags: string }) | undefined;
    // Gone already (erased meanwhile, or another bank's id): the new memory simply stands alone.
    if (!old) return;
    const { actor, reason } = record.versions[0] ?? {};
    this.addVersion(
      old.id,
      record.bankId,
      { action: 'supersede', at: record.createdAt, ...(actor ? { actor } : {}), ...(reason ? { reason } : {}) },
      old.text,
      record.id,
      old.tags,
    );
    this.removeLive(old);
  }

  private removeLive(row: LiveRow): void {
    const seq = BigInt(row.seq);
    this.keywords.removing(row.seq);
    this.stmt('DELETE FROM memory_vectors WHERE rowid = ?').run(seq);
    this.stmt('DELETE FROM memory_sketches WHERE seq = ?').run(seq);
    this.stmt('DELETE FROM memory_embeddings WHERE seq = ?').run(seq);
    this.stmt('DELETE FROM memory_tags WHERE seq = ?').run(seq);
    this.stmt('DELETE FROM memories WHERE seq = ?').run(seq);
    // Other connections' indexes cannot see a delete (and SQLite may reuse the rowid): the epoch tells them to reload.
    if (this.epochWritten === null) {
      this.stmt(
        `INSERT INTO astrocyte_meta (key, value) VALUES ('erase_epoch', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`,
      ).run();
      this.epochWritten = this.stmt("SELECT value FROM astrocyte_meta WHERE key = 'erase_epoch'")
        .pluck()
        .get() as string;
    }
    this.index?.removed(row.bank_id, row.seq);
  }

  private addVersion(
    memoryId: string,
    bankId: string,
    stamp: VersionStamp,
    text: string | null,
    relatedId: string | null,
    tags: string | null = null,
  ): void {
    this.stmt(
      `INSERT INTO memory_versions (memory_id, bank_id, version, action, text, tags, actor, reason, related_id, at)
       VALUES (@memoryId, @bankId, (SELECT COALESCE(MAX(version), 0) + 1 FROM memory_versions WHERE memory_id = @memoryId),
               @action, @text, @tags, @actor, @reason, @relatedId, @at)`,
    ).run({
      memoryId,
      bankId,
      action: stamp.action,
      text,
      tags,
      actor: stamp.actor ?? null,
      reason: stamp.reason ?? null,
      relatedId,
      at: stamp.at.getTime(),
    });
  }

  // A kNN query over vec0 joined back to memories; `flag` adds an `ok` column for the tag/path conditions in `where`.
  private knn(flag: boolean, amongRowids: boolean, where: string): Database.Statement {
    return this.stmt(
      `WITH knn AS MATERIALIZED (
         SELECT rowid, distance FROM memory_vectors
         WHERE embedding MATCH @q AND k = @k AND bank_id IN (SELECT value FROM json_each(@banks))
           AND moment >= @from AND moment <= @to AND expires_at > @now
           ${amongRowids ? 'AND rowid IN (SELECT value FROM json_each(@rowids))' : ''}
       )
       SELECT m.id, m.bank_id, knn.distance${flag ? `, CASE WHEN 1${where} THEN 1 ELSE 0 END AS ok` : ''}
       FROM knn JOIN memories m ON m.seq = knn.rowid ORDER BY knn.distance`,
    );
  }

  // Exact kNN restricted to rows already known to pass every filter.
  private knnAmong(base: Row, seqs: number[], k: number): ScoredId[] {
    const rows = this.knn(false, true, '').all({
      ...base,
      k: Math.min(k, seqs.length),
      rowids: JSON.stringify(seqs),
    }) as KnnRow[];
    return toScored(rows, k);
  }

  private createVectorTable(dimensions: number): void {
    // Bank is the partition key so a search reads only its banks' vectors; moment and expiry are metadata columns
    // so the index filters by time and expiry itself and k rows are always k matches.
    this.database.exec(
      `CREATE VIRTUAL TABLE IF NOT EXISTS memory_vectors USING vec0(
         bank_id text partition key,
         embedding float[${dimensions}] distance_metric=cosine,
         moment integer,
         expires_at integer
       )`,
    );
  }

  private readEmbedder(): EmbedderInfo | null {
    const row = this.database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'embedder'").get() as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as EmbedderInfo) : null;
  }

  private requireEmbedder(operation: string): number {
    if (!this.embedder)
      throw new StorageError(
        `sqlite: ${operation} before ensureEmbedder; the vector table needs the embedder's dimension`,
        { code: 'store_not_ready' },
      );
    return this.embedder.dimensions;
  }

  private stmt(sql: string): Database.Statement {
    return this.statements.prepare(sql);
  }

  // Every read runs when no write transaction is open across turns of the event loop (see write): the check and the
  // read are one synchronous step, so a read never sees a batch before its commit.
  private async read<T>(operation: string, fn: () => T): Promise<T> {
    while (this.writing) await this.writing.catch(() => undefined);
    this.assertOpen();
    try {
      return fn();
    } catch (error) {
      throw asStorageError(operation, error);
    }
  }

  // BEGIN IMMEDIATE takes the write lock before the first read, so check-then-insert cannot race another writer.
  // The candidate index follows the transaction: caught up with other connections inside the lock, its appends
  // undone on rollback, its deletions applied only after the commit. `fn` may await `tick` to give the event loop a
  // turn: the transaction stays open, and `writing` makes every other call of the store wait for its end.
  private async write<T>(operation: string, fn: (tick: () => Promise<void>) => T | Promise<T>): Promise<T> {
    while (this.writing) await this.writing.catch(() => undefined);
    this.assertOpen();
    const transaction = this.transaction(operation, fn);
    this.writing = transaction;
    try {
      return await transaction;
    } finally {
      if (this.writing === transaction) this.writing = null;
    }
  }

  private async transaction<T>(operation: string, fn: (tick: () => Promise<void>) => T | Promise<T>): Promise<T> {
    const slicer = new TimeSlicer();
    const tick = () => slicer.tick();
    try {
      this.database.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw asStorageError(operation, error);
    }
    try {
      this.epochWritten = null;
      this.index?.sync();
      this.index?.begin();
      const result = await fn(tick);
      await this.keywords.flush(tick);
      this.commit(slicer.turns > 0);
      this.index?.commit(this.epochWritten === null ? null : String(this.epochWritten));
      return result;
    } catch (error) {
      if (this.database.inTransaction) this.database.exec('ROLLBACK');
      this.index?.rollback();
      this.keywords.discard();
      throw asStorageError(operation, error);
    }
  }

  // A transaction that needed turns of the event loop wrote enough pages that checkpointing them would stall it too:
  // SQLite's automatic checkpoint is held back for its commit, and the checkpoint worker does the work instead.
  private commit(large: boolean): void {
    if (!large || !this.checkpoints) {
      this.database.exec('COMMIT');
      return;
    }
    const pages = this.database.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.database.pragma('wal_autocheckpoint = 0');
    try {
      this.database.exec('COMMIT');
    } finally {
      this.database.pragma(`wal_autocheckpoint = ${pages}`);
    }
    this.checkpoints.request();
  }

  // Reads that use the candidate index run in one read transaction, so catching up and searching see one snapshot.
  private readIndexed<T>(operation: string, fn: () => T): Promise<T> {
    return this.read(operation, () =>
      this.database
        .transaction(() => {
          this.index?.sync();
          return fn();
        })
        .deferred(),
    );
  }

  private vectors(): VectorIndex {
    return this.index as VectorIndex;
  }

  // The index needs the embedder's dimension; rows stored before sketches existed are sketched first.
  private startIndex(dimensions: number): void {
    const pending = this.database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_backfill'").get();
    if (pending) this.backfillSketches();
    this.database
      .prepare("INSERT OR REPLACE INTO astrocyte_meta (key, value) VALUES ('sketch_scheme', ?)")
      .run(SKETCH_SCHEME);
    this.index = new VectorIndex(this.database, dimensions);
  }

  // One pass over the vec0 table (reading a chunk in order is fast; reading vectors by rowid is not). The rows are
  // collected first because better-sqlite3 cannot write while a statement is still reading.
  private backfillSketches(): void {
    this.database
      .transaction(() => {
        if (!this.database.prepare("SELECT value FROM astrocyte_meta WHERE key = 'sketch_backfill'").get()) return;
        const vectors: { seq: number; embedding: Buffer }[] = [];
        for (const row of this.database
          .prepare('SELECT rowid AS seq, embedding FROM memory_vectors')
          .iterate() as IterableIterator<{ seq: number; embedding: Buffer }>) {
          vectors.push({ seq: row.seq, embedding: Buffer.from(row.embedding) });
        }
        const meta = this.database.prepare(
          'SELECT bank_id, COALESCE(occurred_at, created_at) AS moment, expires_at FROM memories WHERE seq = ?',
        );
        const done = this.database.prepare('SELECT 1 FROM memory_sketches WHERE seq = ?');
        for (const { seq, embedding } of vectors) {
          const row = meta.get(seq) as { bank_id: string; moment: number; expires_at: number | null } | undefined;
          if (!row || done.get(seq)) continue;
          const sketch = sketchVector(floats(embedding));
          this.storeSketch(BigInt(seq), row.bank_id, row.moment, row.expires_at, sketch, embedding);
        }
        this.database.prepare("DELETE FROM astrocyte_meta WHERE key = 'sketch_backfill'").run();
      })
      .immediate();
  }

  private assertOpen(): void {
    if (this.closed || !this.database.open)
      throw new StorageError('sqlite: the store is closed', { code: 'store_closed' });
  }
}

/** Opens a SQLite store; the function `Astrocyte.fromConfig` calls for `storage.backend: sqlite`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteMemoryStore> {
  return SqliteMemoryStore.open(options);
}

function loadSqliteVec(database: Database.Database): void {
  try {
    database.prepare('SELECT vec_version()').get();
    return;
  } catch {
    // Not loaded on this connection yet.
  }
  try {
    sqliteVec.load(database);
  } catch (error) {
    throw new StorageError(`sqlite: could not load the sqlite-vec extension: ${(error as Error).message}`, {
      cause: error,
      code: 'vector_extension_missing',
    });
  }
}

function asStorageError(operation: string, error: unknown): AstrocyteError {
  if (AstrocyteError.isInstance(error)) return error as AstrocyteError;
  const code = (error as { code?: unknown })?.code;
  const busy = code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
  return new StorageError(`sqlite: ${operation} failed: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
    ...(busy ? { code: 'storage_busy' } : {}),
    details: { operation, ...(typeof code === 'string' ? { sqliteCode: code } : {}) },
  });
}

function checkEmbedding(embedding: unknown, dimensions: number, field: string): void {
  if (!(embedding instanceof Float32Array)) throw new ValidationError(field, 'must be a Float32Array');
  if (embedding.length !== dimensions)
    throw new ValidationError(field, `has ${embedding.length} dimensions; the store's embedder has ${dimensions}`);
}

// better-sqlite3 binds a Buffer as a blob; a view over part of a larger buffer must not leak its neighbours.
function vectorBlob(embedding: Float32Array): Buffer {
  return Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength);
}

// vec0 returns k rows per partition for a multi-bank query: merge, best first, keep k.
function toScored(rows: KnnRow[], k: number): ScoredId[] {
  return rows
    .slice()
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k)
    .map((r) => ({ id: r.id, bankId: r.bank_id, score: 1 - r.distance }));
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
