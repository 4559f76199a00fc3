// Bounded: a process that sees millions of keys keeps only the most recent ones.
const CAPACITY = 10_000;

/** A map whose entries are trusted for `ttlMillis` after they are set, and which starts over when it is full. */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMillis: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The value set for `key`, or undefined when none was or it has expired. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.entries.size >= CAPACITY) this.entries.clear();
    this.entries.set(key, { value, until: this.clock() + this.ttlMillis });
  }

  /** Forgets the entries whose value `stale` says may have changed, or all of them. */
  clear(stale?: (value: V) => boolean): void {
    if (!stale) this.entries.clear();
    else for (const [key, entry] of this.entries) if (stale(entry.value)) this.entries.delete(key);
  }
}
