import type Database from 'better-sqlite3';

/**
 * Runs `take`, a statement that takes the database's write lock (`BEGIN IMMEDIATE`, or a transaction begun so), and
 * retries it while another connection holds the lock, until `busyTimeoutMs` has passed by the clock.
 *
 * Why not SQLite's busy timeout alone: its busy handler waits in sleeps of growing length and counts each as slept in
 * full even when a signal ends it early, so under a sampling CPU profiler (a SIGPROF every millisecond or less) a
 * timeout of seconds runs out in a few milliseconds and the write fails with storage_busy while the lock was about to
 * be released. Each retry waits only what is left of the timeout. Without signals the first attempt waits the whole
 * timeout and nothing is retried. Once `started` says the transaction's own work began, a busy error is that work's
 * and is not retried.
 */
export function takingWriteLock<T>(
  database: Database.Database,
  busyTimeoutMs: number,
  take: () => T,
  started: () => boolean = () => false,
): T {
  const deadline = performance.now() + busyTimeoutMs;
  let retried = false;
  try {
    for (;;) {
      try {
        return take();
      } catch (error) {
        const left = Math.ceil(deadline - performance.now());
        if ((error as { code?: unknown })?.code !== 'SQLITE_BUSY' || started() || left <= 0) throw error;
        database.pragma(`busy_timeout = ${left}`);
        retried = true;
      }
    }
  } finally {
    if (retried) database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
}

/** Runs `fn` in an IMMEDIATE transaction whose lock is taken as takingWriteLock takes it; `fn` runs once at most. */
export function inImmediateTransaction<T>(database: Database.Database, busyTimeoutMs: number, fn: () => T): T {
  let started = false;
  const transaction = database.transaction(() => {
    started = true;
    return fn();
  });
  return takingWriteLock(
    database,
    busyTimeoutMs,
    () => transaction.immediate(),
    () => started,
  );
}
