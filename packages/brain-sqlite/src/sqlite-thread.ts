import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running `source` (CommonJS, evaluated: the package ships no separate worker file to find),
 * with `workerData.driver` set to better-sqlite3's entry point as this package resolves it.
 */
export function startSqliteThread(source: string, workerData: Record<string, unknown>): Worker {
  return new Worker(source, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), ...workerData },
  });
}

/** Tells a thread started by startSqliteThread to close its connection, and waits until it has exited. */
export async function closeSqliteThread(worker: Worker): Promise<void> {
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  // Held open until the thread is gone, or a process with nothing else to do would exit while waiting for it.
  worker.ref();
  worker.postMessage('close');
  await exited;
}
