import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from '@astrocyte/core';
import { TimeSlicer } from '@astrocyte/core/backend';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { StatementCache } from './statement-cache.js';
import { asStorageError, storeClosed, vectorExtensionMissing } from './storage-errors.js';
import type { SqliteStoreOptions } from './store-options.js';
import { type ReadQuery, StoreThread, WAL_LIMIT_BYTES } from './store-thread.js';
import { WalSync } from './wal-sync.js';
import { WalTruncation } from './wal-truncation.js';
import { inImmediateTransaction } from './write-lock.js';

// A transaction whose last turn has already run this long gives the event loop a turn before its commit.
const COMMIT_HEADROOM_MS = 5;
// The longest pause between two attempts to take the write lock another connection holds.
const MAX_LOCK_PAUSE_MS = 16;

/** Gives the event loop a turn inside a write transaction, which stays open. */
export type Tick = () => Promise<void>;

/**
 * State kept in memory beside the database that must follow each write transaction: told when it begins (inside the
 * write lock), before it commits, after it commits and when it rolls back.
 */
export interface TransactionFollower {
  begin?(): void;
  beforeCommit?(tick: Tick): Promise<void>;
  committed?(): void;
  rolledBack?(): void;
}

/**
 * The store's one connection: opens the file (or takes the caller's database), loads sqlite-vec, sets the pragmas,
 * and runs every read and write. A write is one IMMEDIATE transaction that may span turns of the event loop; every
 * other call waits for its end, so no read sees a batch before its commit.
 */
export class SqliteConnection {
  readonly database: Database.Database;
  readonly statements: StatementCache;
  private readonly ownsDatabase: boolean;
  private readonly isFile: boolean;
  // What puts each write's commit on disk before the write resolves; null with synchronous: 'normal' or in memory.
  private readonly walSync: WalSync | null;
  private readonly followers: TransactionFollower[] = [];
  // The write transaction in progress, which may span turns of the event loop; every other call waits for it.
  private writing: Promise<unknown> | null = null;
  private readonly wal: WalTruncation;
  private readonly thread: StoreThread | null;
  /** How long a write waits for another connection's lock (see awaitWriteLock and takingWriteLock). */
  readonly busyTimeoutMs: number;
  private closed = false;

  private constructor(
    database: Database.Database,
    ownsDatabase: boolean,
    busyTimeoutMs: number,
    synchronous: 'full' | 'normal',
  ) {
    this.database = database;
    this.ownsDatabase = ownsDatabase;
    this.busyTimeoutMs = busyTimeoutMs;
    this.isFile = !database.memory;
    // Resolved now: the process may change its working folder later.
    this.walSync = this.isFile && synchronous === 'full' ? new WalSync(`${resolve(database.name)}-wal`) : null;
    this.statements = new StatementCache(database);
    this.wal = new WalTruncation(database, busyTimeoutMs);
    this.thread = this.isFile ? new StoreThread(database.name, busyTimeoutMs, { keywordIndex: 'memory_fts' }) : null;
    try {
      loadSqliteVec(database);
      database.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // Erased text must not survive in freed pages of the file.
      database.pragma('secure_delete = ON');
      if (this.isFile) {
        database.pragma('journal_mode = WAL');
        // SQLite's own sync stays at checkpoints: a commit that must be on disk is synced by `synced`, off the thread.
        database.pragma('synchronous = NORMAL');
        database.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
      }
    } catch (error) {
      this.release();
      throw asStorageError('open', error);
    }
  }

  /**
   * Opens (or, unless `options.mustExist`, creates) the file at `options.path`, or takes the caller's open
   * `options.database`.
   */
  static open(options: SqliteStoreOptions): SqliteConnection {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const synchronous = options.synchronous ?? 'full';
    if (options.database) {
      if (!options.database.open) throw new StorageError('@astrocyte/brain-sqlite: the database passed in is closed');
      return new SqliteConnection(options.database, false, busyTimeoutMs, synchronous);
    }
    const path = options.path as string;
    const mustExist = options.mustExist === true && path !== ':memory:';
    // Checked first for the message; `fileMustExist` keeps a file removed in between from being created.
    if (mustExist && !existsSync(path))
      throw new StorageError(`@astrocyte/brain-sqlite: no store at ${path}: nothing has been stored there yet`, {
        code: 'storage_database_missing',
        details: { path },
      });
    let database: Database.Database;
    try {
      if (path !== ':memory:' && !mustExist) mkdirSync(dirname(path), { recursive: true });
      database = new Database(path, { fileMustExist: mustExist });
    } catch (error) {
      // A folder this user may not create files in, or a read-only disk: the same code as Postgres's refusals. The
      // folders are created first, and a recursive mkdir reports a read-only disk as ENOENT.
      const code = (error as { code?: unknown }).code;
      const denied = ['SQLITE_CANTOPEN', 'SQLITE_PERM', 'EACCES', 'EPERM', 'EROFS', 'ENOENT'].includes(String(code));
      throw new StorageError(
        `@astrocyte/brain-sqlite: cannot open ${path}: ${(error as Error).message}${denied ? '; check that this user may create and write files in its folder' : ''}`,
        { cause: error, ...(denied ? { code: 'storage_permission_denied' } : {}), details: { path } },
      );
    }
    return new SqliteConnection(database, true, busyTimeoutMs, synchronous);
  }

  /** Adds state that follows every later write transaction, in the order added. */
  follow(follower: TransactionFollower): void {
    this.followers.push(follower);
  }

  /** The prepared statement for `sql`, from the connection's cache. */
  stmt(sql: string): Database.Statement {
    return this.statements.prepare(sql);
  }

  /** Throws `store_closed` once the store is closed. */
  assertOpen(): void {
    if (this.closed || !this.database.open) throw storeClosed();
  }

  /**
   * Runs `fn` when no write transaction is open across turns of the event loop: the check and the read are one
   * synchronous step, so a read never sees a batch before its commit.
   */
  async read<T>(operation: string, fn: () => T): Promise<T> {
    while (this.writing) await this.writing.catch(() => undefined);
    this.assertOpen();
    try {
      return fn();
    } catch (error) {
      throw asStorageError(operation, error);
    }
  }

  /**
   * Read-only queries run off this thread when the store is a file (see StoreThread), in one snapshot: the rows of
   * the first query that returns at least `enough`, or of the last. `queries` builds them on this thread once no
   * write is in progress, and the read is posted in the same turn: what the caller does next overlaps it. A
   * database in memory, or a thread still starting or unable to run, reads on this connection.
   */
  async readOffThread<T>(operation: string, queries: () => ReadQuery[], enough: number): Promise<T[]> {
    while (this.writing) await this.writing.catch(() => undefined);
    this.assertOpen();
    let planned: ReadQuery[];
    try {
      planned = queries();
      if (planned.length === 0) return [];
      const reading = this.thread?.read(planned, enough);
      if (reading) return (await reading) as T[];
    } catch (error) {
      throw asStorageError(operation, error);
    }
    return this.readSnapshot(operation, () => {
      let rows: T[] = [];
      for (const { sql, params } of planned) {
        rows = this.stmt(sql).all(params) as T[];
        if (rows.length >= enough) break;
      }
      return rows;
    });
  }

  /** A read in one read transaction, so that everything `fn` reads comes from one snapshot. */
  readSnapshot<T>(operation: string, fn: () => T): Promise<T> {
    return this.read(operation, () => this.database.transaction(fn).deferred());
  }

  /**
   * A short write of rows no follower tracks, in one IMMEDIATE transaction run synchronously: the file's write lock
   * is never held across a turn of the event loop, so another connection of this process waiting for it cannot
   * block the thread while this one holds it. `sync: false` for a row not worth a sync of its own (a rate
   * counter, written on every operation): it reaches the disk with the next synced write or checkpoint.
   */
  writeAtOnce<T>(operation: string, fn: () => T, { sync = true }: { sync?: boolean } = {}): Promise<T> {
    const write = this.read(operation, () =>
      this.committing(() => inImmediateTransaction(this.database, this.busyTimeoutMs, fn)),
    );
    return sync ? this.synced(operation, write) : write;
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction: BEGIN IMMEDIATE takes the write lock before the first read, so
   * check-then-insert cannot race another writer. `fn` may await `tick` to give the event loop a turn: the
   * transaction stays open, and every other call of the store waits for its end.
   */
  write<T>(operation: string, fn: (tick: Tick) => T | Promise<T>): Promise<T> {
    return this.synced(operation, this.acrossTurns(operation, fn, 'BEGIN IMMEDIATE'));
  }

  /**
   * With `synchronous: 'full'`, resolves with the write's result once its commit is on disk (see WalSync); the next
   * write may begin meanwhile. A sync that fails is a StorageError: the commit may not survive a power cut.
   */
  private async synced<T>(operation: string, write: Promise<T>): Promise<T> {
    const result = await write;
    try {
      await this.walSync?.afterCommit();
    } catch (error) {
      throw asStorageError(operation, error);
    }
    return result;
  }

  /**
   * Runs `fn` in one read transaction that may give the event loop turns (`tick`), like `write`: every other call of
   * the store waits for its end. Other connections may still write (in WAL mode readers do not block writers).
   */
  readAcrossTurns<T>(operation: string, fn: (tick: Tick) => Promise<T>): Promise<T> {
    return this.acrossTurns(operation, fn, 'BEGIN');
  }

  private async acrossTurns<T>(
    operation: string,
    fn: (tick: Tick) => T | Promise<T>,
    begin: 'BEGIN' | 'BEGIN IMMEDIATE',
  ): Promise<T> {
    while (this.writing) await this.writing.catch(() => undefined);
    this.assertOpen();
    const transaction = this.transaction(operation, fn, begin);
    this.writing = transaction;
    try {
      return await transaction;
    } finally {
      if (this.writing === transaction) this.writing = null;
    }
  }

  /** Empties the WAL after an erase (see WalTruncation); a database in memory has none. */
  async truncateWal(): Promise<void> {
    if (this.isFile) await this.wal.truncate();
  }

  /**
   * VACUUM, then a truncating checkpoint: the file is rewritten without free pages and the WAL emptied. It holds
   * the database's write lock and waits for this store's writes; other connections' writes wait or get busy.
   */
  compact(): Promise<void> {
    return this.read('compact', () => {
      this.database.exec('VACUUM');
      this.database.pragma('wal_checkpoint(TRUNCATE)');
    });
  }

  /** Waits for the write in progress, then closes the database if this connection opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.writing) await this.writing.catch(() => undefined);
    this.closed = true;
    await this.walSync?.close();
    this.wal.stop();
    await this.thread?.close();
    this.statements.clear();
    if (this.ownsDatabase) this.database.close();
  }

  /** Closes the database at once if this connection opened it: for an open that failed half way. */
  release(): void {
    if (this.ownsDatabase && this.database.open) this.database.close();
  }

  private async transaction<T>(
    operation: string,
    fn: (tick: Tick) => T | Promise<T>,
    begin: 'BEGIN' | 'BEGIN IMMEDIATE',
  ): Promise<T> {
    try {
      if (begin === 'BEGIN IMMEDIATE') await this.awaitWriteLock();
      else this.database.exec(begin);
    } catch (error) {
      throw asStorageError(operation, error);
    }
    const slicer = new TimeSlicer();
    const tick = () => slicer.tick();
    try {
      for (const follower of this.followers) follower.begin?.();
      const result = await fn(tick);
      for (const follower of this.followers) await follower.beforeCommit?.(tick);
      // A large commit writes every page the transaction changed (tens of milliseconds for a batch of 1,000 in a large
      // bank): begun late in a turn, it would block the event loop that much longer than a slice.
      await new TimeSlicer(COMMIT_HEADROOM_MS).tick();
      this.committing(() => this.database.exec('COMMIT'));
      for (const follower of this.followers) follower.committed?.();
      return result;
    } catch (error) {
      if (this.database.inTransaction) this.database.exec('ROLLBACK');
      for (const follower of this.followers) follower.rolledBack?.();
      throw asStorageError(operation, error);
    }
  }

  /**
   * BEGIN IMMEDIATE, waiting for the file's write lock between turns of the event loop: another connection may hold
   * it for long (this store's thread in a restarting checkpoint, 10 to 80 ms under a stream of commits; another
   * process's large batch), and SQLite's own busy handler would wait in sleeps that hold the thread, and with it every
   * other request, and a holder in this same process that needs a turn to finish. Each attempt fails at once while
   * the lock is taken; the next comes after a pause that grows to MAX_LOCK_PAUSE_MS, until the busy timeout has passed.
   * Meanwhile the store's thread starts no merge of the keyword index, whose steps would otherwise follow each other.
   */
  private async awaitWriteLock(): Promise<void> {
    const deadline = performance.now() + this.busyTimeoutMs;
    try {
      for (let pause = 1; ; pause = Math.min(pause * 2, MAX_LOCK_PAUSE_MS)) {
        this.statements.prepare('PRAGMA busy_timeout = 0').run();
        try {
          this.database.exec('BEGIN IMMEDIATE');
          return;
        } catch (error) {
          if ((error as { code?: unknown })?.code !== 'SQLITE_BUSY' || performance.now() >= deadline) throw error;
        } finally {
          this.statements.prepare(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`).run();
        }
        this.thread?.writerWaiting(true);
        await sleep(Math.max(0, Math.min(pause, deadline - performance.now())));
      }
    } finally {
      this.thread?.writerWaiting(false);
    }
  }

  // Every commit of the store leaves checkpointing to its thread: SQLite's automatic checkpoint copies the WAL's pages
  // back into the file inside the commit that crosses its threshold, on the event loop (a sixth of the time of
  // retainConversation's sessions of 20 turns, and a stall after a large batch). The caller's own commits on a
  // database it passed in keep SQLite's setting. Without the thread (a database in memory, or one whose thread failed)
  // SQLite does it.
  private committing<T>(commit: () => T): T {
    if (!this.thread?.canCheckpoint) return commit();
    // Prepared once: on every commit, three pragmas prepared anew cost a tenth of a small retain.
    const pages = this.statements.prepare('PRAGMA wal_autocheckpoint').pluck().get() as number;
    this.statements.prepare('PRAGMA wal_autocheckpoint = 0').run();
    try {
      return commit();
    } finally {
      this.statements.prepare(`PRAGMA wal_autocheckpoint = ${Math.trunc(pages)}`).run();
      this.thread?.requestCheckpoint();
    }
  }
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
    throw vectorExtensionMissing(error);
  }
}
