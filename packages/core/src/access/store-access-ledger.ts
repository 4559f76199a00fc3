import type { Page } from '../types.js';
import type { AuditEntry } from './access-types.js';

/** The audit entries a store lists, newest first (by `id`), with an opaque cursor. */
export interface StoreAuditQuery {
  bankId?: string;
  principal?: string;
  since?: Date;
  cursor?: string;
  limit: number;
}

/**
 * What access control keeps in the store, so that rate limits, quotas and the audit log hold across every process
 * sharing it. Part of MemoryStore as `accessLedger`; a store without it cannot run with `access:` configured.
 */
export interface StoreAccessLedger {
  /**
   * Adds `amount` (may be negative, to give back a reservation) to the counter `key` of the window starting at
   * `windowStart`, creating it at 0, and returns its total after adding. Atomic across processes. Rows of `key` whose
   * window started before `expireBefore` are deleted in the same call, so that counters do not pile up.
   */
  addToCounter(key: string, windowStart: Date, amount: number, expireBefore: Date): Promise<number>;
  /** Records one entry; the store assigns its id. */
  appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<void>;
  /** Recorded entries matching every given field, newest first. */
  listAudit(query: StoreAuditQuery): Promise<Page<AuditEntry>>;
}
