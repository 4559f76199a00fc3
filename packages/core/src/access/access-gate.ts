import { checkContext } from '../context-schema.js';
import { AccessDeniedError, ConfigError, QuotaExceededError, RateLimitedError } from '../errors.js';
import type { MemoryStore } from '../memory-store.js';
import type { RetainAdmission } from '../retain/retain-admission.js';
import type { AstrocyteContext, BankSummary, JsonObject, Page } from '../types.js';
import { checkBankId } from '../validation.js';
import type { ValidAccessOptions } from './access-options.js';
import { AccessPolicy, type Caller } from './access-policy.js';
import type { AuditEntry, AuditQuery, Permission } from './access-types.js';
import { checkAuditQuery } from './audit-query.js';
import type { StoreAccessLedger } from './store-access-ledger.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** What an operation is checked as: its name in the audit log and the permission it needs. */
export interface Operation {
  action: string;
  permission: Permission;
}

const write = (action: string): Operation => ({ action, permission: 'write' });
const read = (action: string): Operation => ({ action, permission: 'read' });
const admin = (action: string): Operation => ({ action, permission: 'admin' });

/** Every checked Brain operation (docs/access.md lists them); `health` is not checked: it reads no memory. */
export const OPERATIONS = {
  retain: write('retain'),
  retainMany: write('retain_many'),
  retainConversation: write('retain_conversation'),
  recall: read('recall'),
  reflect: read('reflect'),
  list: read('list'),
  history: read('history'),
  explain: read('explain'),
  banks: read('banks'),
  forget: { action: 'forget', permission: 'forget' },
  forgetAll: admin('forget_all'),
  purgeExpired: admin('purge_expired'),
  compact: admin('compact'),
  reembed: admin('reembed'),
  reembedStatus: admin('reembed_status'),
  cancelReembed: admin('cancel_reembed'),
  audit: admin('audit'),
} as const satisfies Record<string, Operation>;

/**
 * Where every Brain operation passes when access is configured: the grants, then the rate limits, and for a retain
 * the routed banks and the quotas; refusals and the operations worth keeping (forgets, admin actions) go to the
 * store's audit log. Without `access` it checks nothing, counts nothing and records nothing.
 */
export class AccessGate {
  private constructor(
    private readonly enforced: { policy: AccessPolicy; ledger: StoreAccessLedger } | null,
    private readonly now: () => Date,
  ) {}

  /**
   * The gate of a brain over `store`: open without `access`; with it (validated by parseAccessOptions), the store's
   * access ledger required.
   */
  static over(store: MemoryStore, access: ValidAccessOptions | undefined, now: () => Date): AccessGate {
    if (access === undefined) return new AccessGate(null, now);
    const policy = new AccessPolicy(access);
    const ledger = store.accessLedger;
    if (!ledger) {
      throw new ConfigError(
        `access: the ${store.backend} store keeps no access ledger (rate limits, quotas, audit log), so it cannot run with access configured`,
      );
    }
    return new AccessGate({ policy, ledger }, now);
  }

  /**
   * Checks `operation` on each bank `banks` returns (null: the whole store; none: only that there is a principal) and
   * counts it against the rate limits; throws AccessDeniedError or RateLimitedError, both audited, before the
   * operation reads or writes anything. `banks` is called only when access is configured, so that without it every
   * operation validates its input exactly as it always did.
   */
  async admit(
    operation: Operation,
    banks: () => string[] | null,
    context: AstrocyteContext | undefined,
  ): Promise<Caller> {
    const caller = callerOf(context);
    if (this.enforced === null) return caller;
    const { policy } = this.enforced;
    const bankIds = banks();
    if (caller.principal === null && bankIds?.length === 0) await this.deny(caller, operation, null);
    for (const bankId of bankIds ?? [null]) {
      if (!policy.allows(caller, operation.permission, bankId)) await this.deny(caller, operation, bankId);
    }
    await this.countRate(caller, operation, bankIds ?? []);
    return caller;
  }

  /**
   * Admits a retain on its bank (`write`), and returns the check of what it stores: a call whose records a rule
   * routes to a bank the caller may not write, or that would pass a bank's bytes quota, is refused whole. A bank's
   * `max_memories` goes to the store's insert, which counts inside its transaction (InsertOptions.memoryLimits), so
   * that concurrent writers cannot pass it together; its refusal is audited once the insert throws it. Undefined
   * without access.
   */
  async admitRetain(
    operation: Operation,
    options: { bankId?: unknown; context?: AstrocyteContext } | undefined,
  ): Promise<RetainAdmission | undefined> {
    const caller = await this.admit(operation, () => [checkBankId(options?.bankId)], options?.context);
    if (this.enforced === null) return undefined;
    const { policy, ledger } = this.enforced;
    return async (writes) => {
      for (const { bankId } of writes)
        if (!policy.allows(caller, 'write', bankId)) await this.deny(caller, operation, bankId);
      const memoryLimits = new Map<string, number>();
      for (const { bankId } of writes) {
        const max = policy.quotaOf(bankId).maxMemories;
        if (max !== undefined) memoryLimits.set(bankId, max);
      }
      // Bytes are reserved before the write, so that concurrent writers cannot pass the quota together; a refused or
      // failed call gives back what it reserved.
      const day = new Date(Math.floor(this.now().getTime() / DAY) * DAY);
      const reserved: { key: string; bytes: number }[] = [];
      const release = async () => {
        for (const { key, bytes } of reserved.splice(0))
          await ledger.addToCounter(key, day, -bytes, expiry(day, 2 * DAY));
      };
      for (const { bankId, bytes } of writes) {
        const max = policy.quotaOf(bankId).maxBytesPerDay;
        if (max === undefined || bytes === 0) continue;
        const key = `bytes:${bankId}`;
        const total = await ledger.addToCounter(key, day, bytes, expiry(day, 2 * DAY));
        reserved.push({ key, bytes });
        if (total > max) {
          await release();
          await this.append(caller, operation, bankId, 'quota_exceeded', { quota: 'max_bytes_per_day', limit: max });
          const retryAfter = secondsUntil(day.getTime() + DAY, this.now());
          throw new QuotaExceededError(
            `quota: bank ${bankId} would receive more than max_bytes_per_day ${max} bytes today; retry after ${retryAfter} s`,
            retryAfter,
            { details: { quota: 'max_bytes_per_day', bank: bankId, limit: max } },
          );
        }
      }
      return {
        ...(memoryLimits.size > 0 ? { memoryLimits } : {}),
        failed: async (error) => {
          await release();
          const refused = QuotaExceededError.isInstance(error) ? error.details : {};
          const bankId = refused.bank;
          if (refused.quota !== 'max_memories' || typeof bankId !== 'string' || !memoryLimits.has(bankId)) return;
          await this.append(caller, operation, bankId, 'quota_exceeded', {
            quota: 'max_memories',
            limit: memoryLimits.get(bankId) as number,
          });
        },
      };
    };
  }

  /** The banks of `summaries` the caller may read; all of them without access. */
  readable(caller: Caller, summaries: BankSummary[]): BankSummary[] {
    if (this.enforced === null) return summaries;
    const { policy } = this.enforced;
    return summaries.filter((summary) => policy.allows(caller, 'read', summary.bankId));
  }

  /** Records an allowed operation worth keeping (a forget, an admin action); nothing without access. */
  async record(caller: Caller, operation: Operation, bankId: string | null, details: JsonObject): Promise<void> {
    await this.append(caller, operation, bankId, 'allowed', details);
  }

  /**
   * The audit log, newest first: needs `admin` on `query.bankId`, or on the whole store without one. Access must be
   * configured: without it nothing is recorded.
   */
  async audit(query: AuditQuery & { context?: AstrocyteContext }): Promise<Page<AuditEntry>> {
    if (this.enforced === null)
      throw new ConfigError(
        'audit: access is not configured, so nothing is audited; configure `access` (docs/access.md)',
        { details: { kind: 'access_not_configured' } },
      );
    const checked = checkAuditQuery(query);
    await this.admit(OPERATIONS.audit, () => (checked.bankId ? [checked.bankId] : null), query?.context);
    return this.enforced.ledger.listAudit(checked);
  }

  private async countRate(caller: Caller, operation: Operation, bankIds: string[]): Promise<void> {
    const { policy, ledger } = this.enforced as { policy: AccessPolicy; ledger: StoreAccessLedger };
    const now = this.now();
    const minute = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE);
    for (const counter of policy.rateCounters(caller.principal, bankIds)) {
      const total = await ledger.addToCounter(counter.key, minute, 1, expiry(minute, 60 * MINUTE));
      if (total <= counter.limit) continue;
      const retryAfter = secondsUntil(minute.getTime() + MINUTE, now);
      const bankId = counter.bankId ?? null;
      await this.append(caller, operation, bankId, 'rate_limited', { limit: counter.limit, retryAfter });
      const who = caller.principal ?? 'an operation with no principal';
      throw new RateLimitedError(
        `rate limit: ${who} passed ${counter.limit} operations per minute${bankId ? ` on bank ${bankId}` : ''}; retry after ${retryAfter} s`,
        retryAfter,
        { details: { principal: caller.principal, ...(bankId ? { bank: bankId } : {}), limit: counter.limit } },
      );
    }
  }

  private async deny(caller: Caller, operation: Operation, bankId: string | null): Promise<never> {
    await this.append(caller, operation, bankId, 'denied', {});
    throw new AccessDeniedError({ ...caller, bankId: bankId ?? '*', permission: operation.permission });
  }

  private async append(
    caller: Caller,
    operation: Operation,
    bankId: string | null,
    outcome: AuditEntry['outcome'],
    details: JsonObject,
  ): Promise<void> {
    if (this.enforced === null) return;
    await this.enforced.ledger.appendAudit({
      at: this.now(),
      principal: caller.principal,
      onBehalfOf: caller.onBehalfOf,
      action: operation.action,
      bankId,
      permission: operation.permission,
      outcome,
      details,
    });
  }
}

/** The caller an operation's context names, in full form; a ValidationError for a malformed context (checkContext). */
export function callerOf(context: AstrocyteContext | undefined): Caller {
  const checked = checkContext(context);
  return { principal: checked?.principal ?? null, onBehalfOf: checked?.onBehalfOf ?? null };
}

// Counter rows of windows older than this are deleted as the counter is written.
function expiry(window: Date, keep: number): Date {
  return new Date(window.getTime() - keep);
}

// Whole seconds from `now` until `at`, at least 1: a client that waits that long finds the new window open.
function secondsUntil(at: number, now: Date): number {
  return Math.max(1, Math.ceil((at - now.getTime()) / 1000));
}
