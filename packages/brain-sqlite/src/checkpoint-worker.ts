import type { Worker } from 'node:worker_threads';
import { closeSqliteThread, startSqliteThread } from './sqlite-thread.js';

// The worker's whole program: a second connection that checkpoints when asked, at most once per CHECKPOINT_DELAY_MS
// (a request waits for the pending one), and closes when told to. A passive checkpoint copies what was committed
// when it started, but SQLite starts the WAL over only once every frame is copied: under a steady stream of commits
// some are always newer, and the WAL grew by every page written (500 MB during 15,000 conversation turns into a
// 100,000-memory bank). Once the WAL holds more than WAL_LIMIT_BYTES of frames the worker makes a restarting
// checkpoint: it holds the write lock while it copies the few frames the passive one left (a writer waits a few
// milliseconds), so the next commit starts the WAL over, and cut to that size (the store's journal_size_limit).
// It waits at most RESTART_WAIT_MS for a writer to finish or a reader of older frames to move on, then gives up as a
// passive one: waiting longer could stall the event loop of a process that reads across its turns while it writes.
const CHECKPOINT_DELAY_MS = 50;
const RESTART_WAIT_MS = 10;
/** The WAL past which the worker starts it over, and the size its file is cut back to when it is. */
export const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, timeout: ${RESTART_WAIT_MS} });
const pageSize = db.pragma('page_size', { simple: true });
let pending = null;
parentPort.on('message', (message) => {
  if (message === 'close') {
    clearTimeout(pending);
    db.close();
    parentPort.close();
  } else {
    pending ??= setTimeout(() => {
      pending = null;
      try {
        const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
        if (log * pageSize > workerData.walLimitBytes) db.pragma('wal_checkpoint(RESTART)');
      } catch {
        // A checkpoint that cannot run now is done by the next one, or by the last connection's close.
      }
    }, ${CHECKPOINT_DELAY_MS});
  }
});`;

/**
 * Checkpoints the WAL after the store's commits on a second connection in a worker thread: copying the pages back
 * into the database file takes long enough to stall the event loop if the committing connection does it, as SQLite's
 * automatic checkpoint would. Requests within CHECKPOINT_DELAY_MS make one checkpoint, so that a page written by many
 * small commits is copied once. The thread starts on first use.
 */
export class CheckpointWorker {
  private worker: Worker | null = null;
  private failed = false;

  constructor(
    private readonly path: string,
    private readonly walLimitBytes = WAL_LIMIT_BYTES,
  ) {}

  /** Whether it can checkpoint: false once its thread has failed, when SQLite's automatic checkpoint must do it. */
  get available(): boolean {
    return !this.failed;
  }

  /** Asks for a passive checkpoint, which waits for no reader and blocks no writer. */
  request(): void {
    if (this.failed) return;
    this.worker ??= this.start();
    this.worker.postMessage('checkpoint');
  }

  /** Closes the worker's connection, so that the store's own close is the last one and removes the WAL. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    await closeSqliteThread(worker);
  }

  private start(): Worker {
    const worker = startSqliteThread(WORKER_SOURCE, { path: this.path, walLimitBytes: this.walLimitBytes });
    // A pending checkpoint never keeps a process alive: the next open or close checkpoints in its place.
    worker.unref();
    // Without the worker, SQLite's automatic checkpoint after a later commit does the work (see `available`).
    worker.on('error', () => {
      this.failed = true;
      if (this.worker === worker) this.worker = null;
    });
    return worker;
  }
}
