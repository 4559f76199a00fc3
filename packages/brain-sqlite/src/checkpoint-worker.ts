import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The worker's whole program: a second connection that checkpoints when asked, and closes when told to.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
  } else {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // A checkpoint that cannot run now is done by the next one, or by SQLite's own after a later commit.
    }
  }
});`;

/**
 * Checkpoints the WAL after the commit of a large transaction on a second connection in a worker thread: copying
 * the pages of thousands of new memories back into the database file takes long enough to stall the event loop if
 * the committing connection does it, as SQLite's automatic checkpoint would. The thread starts on first use.
 */
export class CheckpointWorker {
  private worker: Worker | null = null;

  constructor(private readonly path: string) {}

  /** Asks for a passive checkpoint, which waits for no reader and blocks no writer. */
  request(): void {
    this.worker ??= this.start();
    this.worker.postMessage('checkpoint');
  }

  /** Closes the worker's connection, so that the store's own close is the last one and removes the WAL. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // Held open until the thread is gone, or a process with nothing else to do would exit while waiting for it.
    worker.ref();
    worker.postMessage('close');
    await exited;
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.path,
      },
    });
    // A pending checkpoint never keeps a process alive: the next open or close checkpoints in its place.
    worker.unref();
    // Without the worker, SQLite's automatic checkpoint after a later commit does the work.
    worker.on('error', () => {
      if (this.worker === worker) this.worker = null;
    });
    return worker;
  }
}
