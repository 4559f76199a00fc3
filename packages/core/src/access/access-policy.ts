import type { ValidAccessOptions } from './access-options.js';
import { matchesPattern } from './access-patterns.js';
import type { Permission } from './access-types.js';

/** Who calls an operation, in full `kind:name` form; `principal` is null when the operation named none. */
export interface Caller {
  principal: string | null;
  onBehalfOf: string | null;
}

/** One rate-limit counter an operation counts on: its ledger key and the limit of the rule it belongs to. */
export interface RateCounter {
  key: string;
  limit: number;
  /** The bank the counter is for, when its rule counts per bank. */
  bankId?: string;
}

/** The quota limits on one bank: the smallest of every quota whose pattern matches it. */
export interface BankQuota {
  maxMemories?: number;
  maxBytesPerDay?: number;
}

/**
 * What the configured grants, rate limits and quotas say about a caller and a bank. Pure: it reads no store, so that
 * a decision costs nothing before any read or write.
 */
export class AccessPolicy {
  constructor(private readonly options: ValidAccessOptions) {}

  /**
   * Whether the caller holds `permission` on `bankId`, or on the whole store when `bankId` is null (a grant whose
   * banks pattern is exactly `*`). Acting for someone, both the principal's grants and theirs must allow it.
   */
  allows(caller: Caller, permission: Permission, bankId: string | null): boolean {
    if (caller.principal === null) return false;
    return (
      this.granted(caller.principal, permission, bankId) &&
      (caller.onBehalfOf === null || this.granted(caller.onBehalfOf, permission, bankId))
    );
  }

  /**
   * The counters an operation by `principal` on `bankIds` counts on: one per rule that applies, and per bank for a
   * rule with a banks pattern. A rule with a principal pattern never applies to an operation without a principal.
   */
  rateCounters(principal: string | null, bankIds: string[]): RateCounter[] {
    return this.options.rateLimits.flatMap((rule, index): RateCounter[] => {
      if (rule.principal !== undefined && (principal === null || !matchesPattern(rule.principal, principal))) return [];
      const who = rule.principal === undefined ? '' : `|${principal}`;
      const limit = rule.operationsPerMinute;
      if (rule.banks === undefined) return [{ key: `rate:${index}${who}`, limit }];
      return bankIds
        .filter((bankId) => matchesPattern(rule.banks as string, bankId))
        .map((bankId) => ({ key: `rate:${index}${who}|${bankId}`, limit, bankId }));
    });
  }

  /** The quota limits on `bankId`; empty when no quota matches it. */
  quotaOf(bankId: string): BankQuota {
    const quota: BankQuota = {};
    for (const rule of this.options.quotas) {
      if (!matchesPattern(rule.banks, bankId)) continue;
      if (rule.maxMemories !== undefined) quota.maxMemories = Math.min(rule.maxMemories, quota.maxMemories ?? Infinity);
      if (rule.maxBytesPerDay !== undefined)
        quota.maxBytesPerDay = Math.min(rule.maxBytesPerDay, quota.maxBytesPerDay ?? Infinity);
    }
    return quota;
  }

  private granted(principal: string, permission: Permission, bankId: string | null): boolean {
    return this.options.grants.some(
      (grant) =>
        (grant.permissions.includes(permission) || grant.permissions.includes('admin')) &&
        (bankId === null
          ? grant.banks === '*' && matchesPattern(grant.principal, principal)
          : matchesPattern(grant.banks, bankId, bankId) && matchesPattern(grant.principal, principal, bankId)),
    );
  }
}
