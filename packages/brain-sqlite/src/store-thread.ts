import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A read statement and its named parameters, as sent to the thread (structured-cloneable values only). */
export interface ReadQuery {
  sql: string;
  params: Record<string, unknown>;
}

// Checkpoints: at most one per CHECKPOINT_DELAY_MS (a request waits for the pending one). A passive checkpoint copies
// what was committed when it started, but SQLite starts the WAL over only once every frame is copied: under a steady
// stream of commits some are always newer, and the WAL grew by every page written (500 MB during 15,000 conversation
// turns into a 100,000-memory bank). Once the WAL holds more than WAL_LIMIT_BYTES of frames the thread makes a
// restarting checkpoint: it holds the write lock while it copies the few frames the passive one left (a writer waits
// a few milliseconds), so the next commit starts the WAL over, and cut to that size (the store's journal_size_limit).
// It waits at most RESTART_WAIT_MS for a writer to finish or a reader of older frames to move on, then gives up as a
// passive one: waiting longer could stall the event loop of a process that reads across its turns while it writes.
const CHECKPOINT_DELAY_MS = 50;
const RESTART_WAIT_MS = 10;
/** The WAL past which the thread starts it over, and the size its file is cut back to when it is. */
export const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
// Statements the thread keeps prepared; a search has a few shapes (filters, plan), so this is seldom reached.
const STATEMENT_CACHE_MAX = 64;
// Keyword index merges. FTS5 merges its segments inside the commits of the connection that writes them (its
// 'automerge'), with work in proportion to what the commit wrote: at a million memories a batch's commit merged for up
// to 658 ms on the event loop. The store's index has automerge off (migration 9), and the thread merges instead, from
// the first checkpoint after a commit until nothing is left to merge: steps of about MERGE_PAGES pages (a few
// milliseconds), each a write transaction of its own followed by a pause as long as itself, so that another
// connection's writer finds the lock free; a step that finds the lock taken, or the store's own writer waiting for it,
// waits MERGE_RETRY_MS. FTS5 still merges a level that reaches its 'crisismerge' (16 segments) inside a commit: that
// bounds the index when the thread falls behind, or has none (a database in memory, or a thread that failed).
const MERGE_PAGES = 64;
const MERGE_RETRY_MS = 5;
// The flags the thread and the store share: the thread is checkpointing or merging (the store reads itself
// meanwhile); the store's writer waits for the write lock (the thread starts no merge step).
const MAINTAINING = 0;
const WRITER_WAITING = 1;

// The thread's whole program: a second connection to the store's file that checkpoints when asked and then merges the
// keyword index, runs the queries of each read message in one read transaction (one snapshot) and answers with the
// rows of the first that returns enough, or the last's, and closes when told to.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.busyTimeoutMs });
// A file this connection cannot read (not a database, or one only the store's connection can open) stops the thread
// here, before it says it is ready: the store then reads and checkpoints on its own connection.
db.prepare('SELECT count(*) FROM sqlite_schema').get();
// A merge frees the pages of the segments it replaces: zeroed, as the store's own connection does. A merge lost in a
// power cut is only done again: no sync of its own.
db.pragma('secure_delete = ON');
db.pragma('synchronous = NORMAL');
const pageSize = db.pragma('page_size', { simple: true });
const statements = new Map();
const prepare = (sql) => {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= ${STATEMENT_CACHE_MAX}) statements.clear();
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
};
const firstEnough = db.transaction((queries, enough) => {
  let rows = [];
  for (const query of queries) {
    rows = prepare(query.sql).all(query.params);
    if (rows.length >= enough) break;
  }
  return rows;
});
const flags = new Int32Array(workerData.flags);
const checkpoint = () => {
  pending = null;
  Atomics.store(flags, ${MAINTAINING}, 1);
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log * pageSize > workerData.walLimitBytes) {
      db.pragma('busy_timeout = ${RESTART_WAIT_MS}');
      try {
        db.pragma('wal_checkpoint(RESTART)');
      } finally {
        db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
      }
    }
  } catch {
    // A checkpoint that cannot run now is done by the next one, or by the last connection's close.
  } finally {
    Atomics.store(flags, ${MAINTAINING}, 0);
  }
  if (mergeStep && nextMerge === null) nextMerge = setTimeout(merge, 0);
};
const index = workerData.keywordIndex;
const mergeStep = index ? db.prepare(\`INSERT INTO \${index} (\${index}, rank) VALUES ('merge', ${MERGE_PAGES})\`) : null;
const totalChanges = db.prepare('SELECT total_changes()').pluck();
let nextMerge = null;
// One step after another until FTS5 finds nothing to merge (it then changes fewer than two rows) or a step fails
// otherwise than on a taken lock (the next checkpoint starts again). Each step is followed by a pause as long as
// itself; a step that finds the lock taken, or the store's writer waiting for it, is tried again MERGE_RETRY_MS later.
const merge = () => {
  nextMerge = null;
  let pause = ${MERGE_RETRY_MS};
  if (Atomics.load(flags, ${WRITER_WAITING}) === 0) {
    const started = performance.now();
    let outcome = 'merged';
    Atomics.store(flags, ${MAINTAINING}, 1);
    db.pragma('busy_timeout = 0');
    try {
      const before = totalChanges.get();
      mergeStep.run();
      if (totalChanges.get() - before < 2) outcome = 'done';
    } catch (error) {
      outcome = error.code === 'SQLITE_BUSY' ? 'busy' : 'done';
    } finally {
      db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
      Atomics.store(flags, ${MAINTAINING}, 0);
    }
    if (outcome === 'done') return;
    if (outcome === 'merged') {
      pause = Math.max(1, performance.now() - started);
      // The merged pages are copied back like the store's: merges of large segments write hundreds of megabytes.
      pending ??= setTimeout(checkpoint, ${CHECKPOINT_DELAY_MS});
    }
  }
  nextMerge = setTimeout(merge, pause);
};
let pending = null;
parentPort.on('message', (message) => {
  if (message === 'close') {
    clearTimeout(pending);
    clearTimeout(nextMerge);
    db.close();
    parentPort.close();
  } else if (message === 'checkpoint') {
    pending ??= setTimeout(checkpoint, ${CHECKPOINT_DELAY_MS});
  } else {
    try {
      parentPort.postMessage({ id: message.id, rows: firstEnough(message.queries, message.enough) });
    } catch (error) {
      parentPort.postMessage({ id: message.id, error: { message: error.message, code: error.code } });
    }
  }
});
parentPort.postMessage('ready');`;

type Pending = { resolve: (rows: unknown[]) => void; reject: (error: Error) => void };
type Answer = { id: number; rows?: unknown[]; error?: { message: string; code?: string } };

/**
 * A second connection to the store's file in a worker thread, for work that would otherwise stall the event loop or
 * wait for it. It checkpoints the WAL after the store's commits: copying the pages back into the database file takes
 * long enough to stall the event loop if the committing connection does it, as SQLite's automatic checkpoint would;
 * requests within CHECKPOINT_DELAY_MS make one checkpoint, so that a page written by many small commits is copied
 * once. And it runs reads while the event loop does other work: recall's keyword search runs there while the vector
 * search scans on the main thread (at a million memories each takes about 6 and 9 to 13 ms). WAL lets it read beside
 * the store's connection; each read is one read transaction, so it sees what was committed when it began, as a read
 * of the store's own connection would. And it merges the keyword index's segments (MERGE_PAGES). One thread does all
 * three (a thread, its isolate and its connection take about 20 MB); a read asked for while it checkpoints (10 to
 * 50 ms under a stream of commits) or runs a merge step is the caller's to do, as the thread would only start it
 * after. It starts on first use and takes about 50 ms to be ready; until then reads, and for good if it cannot start,
 * reads and checkpoints, are the store's own connection's (a command that searches once never waits for it).
 */
export class StoreThread {
  private thread: Worker | null = null;
  private ready = false;
  private failed = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  // Shared with the thread: MAINTAINING, set by the thread (a read posted then would wait for it), and
  // WRITER_WAITING, set by the store.
  private readonly flags = new Int32Array(new SharedArrayBuffer(8));

  /**
   * `keywordIndex`: the FTS5 table whose segments the thread merges after checkpoints (none by default);
   * `walLimitBytes`: the WAL past which a checkpoint starts it over.
   */
  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
    private readonly options: { keywordIndex?: string; walLimitBytes?: number } = {},
  ) {}

  /** Whether it can checkpoint: false once its thread has failed, when SQLite's automatic checkpoint must do it. */
  get canCheckpoint(): boolean {
    return !this.failed;
  }

  /** Asks for a passive checkpoint, which waits for no reader and blocks no writer. */
  requestCheckpoint(): void {
    if (this.failed) return;
    this.thread ??= this.start();
    // Queued in the thread's port until its program listens, when it is still starting.
    this.thread.postMessage('checkpoint');
  }

  /** Told while the store's writer waits for the write lock: the thread starts no merge step meanwhile. */
  writerWaiting(waiting: boolean): void {
    Atomics.store(this.flags, WRITER_WAITING, waiting ? 1 : 0);
  }

  /**
   * The rows of the first query returning at least `enough` rows, or of the last, posted before this returns: work
   * the caller starts next on this thread overlaps the read. Null while the thread is starting (it is started by the
   * first call), while it checkpoints or merges, or when it cannot run: the caller then reads itself.
   */
  read(queries: ReadQuery[], enough: number): Promise<unknown[]> | null {
    if (this.failed) return null;
    this.thread ??= this.start();
    if (!this.ready || Atomics.load(this.flags, MAINTAINING) === 1) return null;
    return this.post(this.thread, queries, enough);
  }

  /**
   * Closes the thread's connection after the reads in progress, so that the store's own close is the last one and
   * removes the WAL (a thread still starting is stopped). The process is held open until the thread has exited:
   * one with nothing else to do would otherwise exit while waiting for it.
   */
  async close(): Promise<void> {
    const { thread, ready } = this;
    this.thread = null;
    this.ready = false;
    if (!thread) return;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    thread.ref();
    if (ready) thread.postMessage('close');
    else await thread.terminate();
    await exited;
  }

  private post(thread: Worker, queries: ReadQuery[], enough: number): Promise<unknown[]> {
    const id = this.nextId++;
    // Held open while an answer is awaited: an unreferenced thread would let a process with nothing else to do exit
    // in the middle of its read.
    if (this.pending.size === 0) thread.ref();
    return new Promise<unknown[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      thread.postMessage({ id, queries, enough });
    });
  }

  private start(): Worker {
    const thread = new Worker(THREAD_SOURCE, {
      // Evaluated: the package ships no separate worker file to find.
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.path,
        busyTimeoutMs: this.busyTimeoutMs,
        walLimitBytes: this.options.walLimitBytes ?? WAL_LIMIT_BYTES,
        keywordIndex: this.options.keywordIndex ?? null,
        flags: this.flags.buffer,
      },
    });
    thread.once('message', () => {
      thread.on('message', (answer: Answer) => this.answer(thread, answer));
      // Closed while starting: the close holds the process open until the thread has stopped, so it stays referenced.
      if (this.thread !== thread) return;
      // After the listener: adding one references the thread again.
      thread.unref();
      this.ready = true;
    });
    // A thread that cannot start or dies leaves the reads and checkpoints to the store's own connection; the reads
    // it was doing fail.
    const stopped = (error: Error) => {
      if (this.thread === thread) {
        this.thread = null;
        this.ready = false;
        this.failed = true;
      }
      for (const [id, { reject }] of this.pending) {
        this.pending.delete(id);
        reject(error);
      }
    };
    thread.once('error', stopped);
    thread.once('exit', (code) => {
      if (this.pending.size > 0 || code !== 0) stopped(new Error(`the store's thread stopped (exit code ${code})`));
    });
    // Nothing waits for a thread that is starting, nor for a checkpoint: a pending one is done by the next open or
    // close.
    thread.unref();
    return thread;
  }

  private answer(thread: Worker, answer: Answer): void {
    const waiting = this.pending.get(answer.id);
    if (!waiting) return;
    this.pending.delete(answer.id);
    if (this.pending.size === 0) thread.unref();
    if (answer.error) waiting.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
    else waiting.resolve(answer.rows ?? []);
  }
}
