import type { AuditEntry } from '../access/access-types.js';
import { checkCounterArguments, decodeAuditCursor, encodeAuditCursor } from '../access/ledger-inputs.js';
import type { StoreAccessLedger, StoreAuditQuery } from '../access/store-access-ledger.js';
import type { Page } from '../types.js';

/**
 * The access ledger of the in-memory store: counters and audit entries in maps of this process. Being single-threaded
 * and free of awaits between read and write, each call is atomic.
 */
export class InMemoryAccessLedger implements StoreAccessLedger {
  /** Counter totals by key, then by window start (ms). */
  private readonly counters = new Map<string, Map<number, number>>();
  /** Oldest first; an entry's id is its position + 1. */
  private readonly audit: AuditEntry[] = [];

  /** `assertOpen` throws once the store that holds the ledger is closed. */
  constructor(private readonly assertOpen: () => void) {}

  /** Adds to the window's counter after dropping the key's windows older than `expireBefore`. */
  async addToCounter(key: string, windowStart: Date, amount: number, expireBefore: Date): Promise<number> {
    this.assertOpen();
    checkCounterArguments(key, windowStart, amount, expireBefore);
    const windows = this.counters.get(key) ?? new Map<number, number>();
    this.counters.set(key, windows);
    for (const start of windows.keys()) if (start < expireBefore.getTime()) windows.delete(start);
    const total = (windows.get(windowStart.getTime()) ?? 0) + amount;
    windows.set(windowStart.getTime(), total);
    return total;
  }

  /** Appends a copy, so that later changes to the caller's object do not reach the log. */
  async appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    this.assertOpen();
    this.audit.push({ ...structuredClone(entry), id: String(this.audit.length + 1) });
  }

  /** Newest first; the cursor holds the id of the last entry returned. */
  async listAudit(query: StoreAuditQuery): Promise<Page<AuditEntry>> {
    this.assertOpen();
    const before = query.cursor === undefined ? Number.POSITIVE_INFINITY : Number(decodeAuditCursor(query.cursor));
    const matching = this.audit
      .filter(
        (entry) =>
          Number(entry.id) < before &&
          (query.bankId === undefined || entry.bankId === query.bankId) &&
          (query.principal === undefined || entry.principal === query.principal) &&
          (query.since === undefined || entry.at >= query.since),
      )
      .reverse();
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((entry) => structuredClone(entry)),
      nextCursor: matching.length > page.length && last ? encodeAuditCursor(last.id) : null,
    };
  }

  /** Forgets every counter and entry. */
  clear(): void {
    this.counters.clear();
    this.audit.length = 0;
  }
}
