import type { Worker } from 'node:worker_threads';
import { closeSqliteThread, startSqliteThread } from './sqlite-thread.js';

/** A read statement and its named parameters, as sent to the worker (structured-cloneable values only). */
export interface ReadQuery {
  sql: string;
  params: Record<string, unknown>;
}

// Statements the worker keeps prepared; a search has a few shapes (filters, plan), so this is seldom reached.
const STATEMENT_CACHE_MAX = 64;

// The worker's whole program: a read-only connection to the store's file that runs the queries of each message in
// one read transaction (one snapshot) and answers with the rows of the first that returns enough, or the last's.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
// A file this connection cannot read (not a database, or one only the store's connection can open) stops the thread
// here, before it says it is ready: the store then reads on its own connection.
db.prepare('SELECT count(*) FROM sqlite_schema').get();
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
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, rows: firstEnough(message.queries, message.enough) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: error.message, code: error.code } });
  }
});
parentPort.postMessage('ready');`;

type Pending = { resolve: (rows: unknown[]) => void; reject: (error: Error) => void };
type Answer = { id: number; rows?: unknown[]; error?: { message: string; code?: string } };

/**
 * A second, read-only connection to the store's file in a worker thread, for reads that can run while the event
 * loop does other work: recall's keyword search runs there while the vector search scans on the main thread (at a
 * million memories each takes about 6 and 9 to 13 ms). WAL lets it read beside the store's connection; each message
 * is one read transaction, so it sees what was committed when it began, as a read of the store's own connection
 * would. The thread starts on first use and takes about 50 ms to be ready; until then, and for good if it cannot
 * start, the caller reads on its own connection (a command that searches once never waits for it).
 */
export class ReadWorker {
  private thread: Worker | null = null;
  private ready = false;
  private failed = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /**
   * The rows of the first query returning at least `enough` rows, or of the last, posted before this returns: work
   * the caller starts next on this thread overlaps the read. Null while the thread is starting (it is started by the
   * first call) or when it cannot run: the caller then reads itself.
   */
  run(queries: ReadQuery[], enough: number): Promise<unknown[]> | null {
    if (this.failed) return null;
    this.thread ??= this.start();
    return this.ready ? this.post(this.thread, queries, enough) : null;
  }

  /** Closes the worker's connection after the reads in progress (a thread still starting is stopped). */
  async close(): Promise<void> {
    const { thread, ready } = this;
    this.thread = null;
    this.ready = false;
    if (!thread) return;
    if (ready) await closeSqliteThread(thread);
    else {
      // Held open until it is gone, as closeSqliteThread does.
      thread.ref();
      await thread.terminate();
    }
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
    const thread = startSqliteThread(WORKER_SOURCE, { path: this.path, busyTimeoutMs: this.busyTimeoutMs });
    thread.once('message', () => {
      thread.on('message', (answer: Answer) => this.answer(thread, answer));
      // Closed while starting: the close holds the process open until the thread has stopped, so it stays referenced.
      if (this.thread !== thread) return;
      // After the listener: adding one references the thread again.
      thread.unref();
      this.ready = true;
    });
    // A thread that cannot start or dies leaves the reads to the store's own connection; those it was doing fail.
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
      if (this.pending.size > 0 || code !== 0) stopped(new Error(`the read worker stopped (exit code ${code})`));
    });
    // Nothing waits for a thread that is starting: it never keeps a process alive.
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
