import { abortableSleep } from '@astrocyte/core';
import type Database from 'better-sqlite3';

// Retries start soon (a reader's transaction is usually short) and settle at a few a second.
const FIRST_RETRY_MS = 5;
const LAST_RETRY_MS = 250;

/**
 * Empties the WAL after an erase: its frames still hold the pages the erased text was on, and the database file
 * holds them until a checkpoint copies the scrubbed pages back. A connection reading a snapshot from before the erase
 * keeps both in use (it may still read that text), so a checkpoint then fails; it is retried on timers, never by
 * blocking the event loop, until the readers are done. The erase waits for that as long as the store waits for any
 * other connection (its busy timeout); past it, retries go on in the background until they succeed or the store
 * closes.
 */
export class WalTruncation {
  private retrying: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly database: Database.Database,
    private readonly busyTimeoutMs: number,
  ) {}

  /** Truncates the WAL now if no reader holds an older snapshot, else retries; resolves once done or timed out. */
  async truncate(): Promise<void> {
    if (this.attempt()) return;
    this.retrying ??= this.retry();
    // The wait is the one timer that keeps a process alive (retries do not): a CLI's forget finishes its erasure.
    const bound = new AbortController();
    await Promise.race([this.retrying, abortableSleep(this.busyTimeoutMs, bound.signal).catch(() => undefined)]);
    bound.abort();
  }

  /** Stops retrying, for a store that is closing (closing the last connection checkpoints the WAL itself). */
  stop(): void {
    this.stopped = true;
  }

  private async retry(): Promise<void> {
    for (let delay = FIRST_RETRY_MS; !this.stopped; delay = Math.min(delay * 2, LAST_RETRY_MS)) {
      await abortableSleep(delay, undefined, { ref: false });
      if (this.attempt()) break;
    }
    this.retrying = null;
  }

  // One TRUNCATE checkpoint that fails at once instead of waiting out the busy timeout on this thread.
  private attempt(): boolean {
    if (this.stopped || !this.database.open) return true;
    // A batch insert keeps its transaction open between turns of the event loop; try again after it.
    if (this.database.inTransaction) return false;
    this.database.pragma('busy_timeout = 0');
    try {
      const [result] = this.database.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return result?.busy === 0;
    } catch {
      // Locked by a statement still reading on this connection: the next retry will do.
      return false;
    } finally {
      this.database.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }
}
