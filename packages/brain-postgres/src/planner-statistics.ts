/**
 * Remembers, for a few seconds, whether a set of banks holds more live memories than an exact scan should read, so
 * that a recall does not count the bank again each time. A stale answer costs speed, never correctness: both plans
 * return the nearest memories of the bank (the index approximately), and the entry expires.
 */
export class BankSizeCache {
  private readonly entries = new Map<string, { large: boolean; until: number }>();

  constructor(
    private readonly ttlMillis: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether the banks were large when last counted, or undefined when unknown or expired. */
  get(bankIds: string[]): boolean | undefined {
    const key = keyOf(bankIds);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.large;
  }

  /** Records a fresh count. */
  set(bankIds: string[], large: boolean): void {
    // Bounded: a process that searches millions of bank combinations keeps only the most recent ones.
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(keyOf(bankIds), { large, until: this.clock() + this.ttlMillis });
  }

  /** Forgets what may have changed: after inserts only small entries (they may have grown), after erasure all. */
  invalidate(change: 'grown' | 'shrunk'): void {
    if (change === 'shrunk') {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of this.entries) if (!entry.large) this.entries.delete(key);
  }
}

function keyOf(bankIds: string[]): string {
  return JSON.stringify([...new Set(bankIds)].sort());
}
