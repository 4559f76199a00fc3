import { type AccessGate, OPERATIONS } from './access/access-gate.js';
import type { ErasureReport } from './brain-observer.js';
import { groupBy } from './collections.js';
import { ValidationError } from './errors.js';
import { chainsOf, forgetCandidates } from './forget-candidates.js';
import { checkOverride, type ForgetVerdict, minAgeFloor } from './governance/forget-policy.js';
import type { Governance } from './governance/governance.js';
import { isHoldPlacedSince, type MemorySelector, type MemoryStore, type VersionStamp } from './memory-store.js';
import { OPTION_KEYS } from './option-keys.js';
import type { AstrocyteContext, ForgetOptions, ForgetResult } from './types.js';
import {
  checkBankId,
  checkDate,
  checkKnownKeys,
  checkMemoryIds,
  checkReason,
  checkTags,
  describeValue,
  type Limits,
} from './validation.js';
import { versionStamp } from './version-stamp.js';

/** What the erasure paths work with. */
export interface ForgetParts {
  store: MemoryStore;
  governance: Governance;
  limits: Limits;
  gate: AccessGate;
  now: () => Date;
}

/**
 * The erasure paths behind forget and purgeExpired: selection, the forget policy, erasure with a tombstone, and,
 * with access configured, the check before and the audit entry after.
 */
export class ForgetPipeline {
  constructor(private readonly parts: ForgetParts) {}

  /**
   * Erases memories of one bank selected by ids, tags, age or all, subject to the forget policy. Superseded memories
   * are selected too (by id, by the tags they carried, by age): forgetting any memory erases its text and the text of
   * every memory it replaced, and a legal hold on any memory of its supersession chain keeps it.
   */
  async forget(bankId: string, options: ForgetOptions, report: ErasureReport): Promise<ForgetResult> {
    const { governance, limits, gate } = this.parts;
    checkBankId(bankId);
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
    checkKnownKeys(options, OPTION_KEYS.forget, '', 'an option of forget');
    if (options.all !== undefined && typeof options.all !== 'boolean')
      throw new ValidationError(
        'all',
        `must be true to forget every memory of the bank, got ${describeValue(options.all)}`,
      );
    const selectors = (['memoryIds', 'tags', 'before', 'all'] as const).filter(
      (key) => options[key] !== undefined && options[key] !== false,
    );
    if (selectors.length !== 1) {
      throw new ValidationError(
        'options',
        `give exactly one of memoryIds, tags, before or all; got ${selectors.length === 0 ? 'none' : selectors.join(', ')}`,
      );
    }
    const reason = checkReason(options.reason);
    const overrideLegalHold = checkOverride(options.overrideLegalHold, reason);
    const selector = {
      ...(options.memoryIds !== undefined ? { ids: checkMemoryIds(options.memoryIds) } : {}),
      ...(options.tags !== undefined ? { tags: checkTags(options.tags, limits) } : {}),
      ...(options.before !== undefined ? { before: checkDate(options.before, 'before') as Date } : {}),
      ...(options.all === true ? { all: true } : {}),
    };
    if (selector.tags?.length === 0) throw new ValidationError('tags', 'must name at least one tag');
    if (selector.tags) governance.checkTagSelector(selector.tags, [bankId]);
    const operation = selector.all ? OPERATIONS.forgetAll : OPERATIONS.forget;
    const caller = await gate.admit(operation, () => [bankId], options.context);
    const now = this.parts.now();
    const stamp = versionStamp(governance, 'forget', now, options.context, reason);
    const { erased, verdict } = await this.eraseSelected(bankId, selector, { overrideLegalHold, now }, stamp);
    report(bankId, erased, verdict.skipped);
    // The ids prove what was erased; the reason stays out, as free text may say what the memories held.
    const skippedCount = verdict.skipped.length;
    await gate.record(caller, operation, bankId, { deletedCount: erased.length, memoryIds: erased, skippedCount });
    const kept = new Set([...erased, ...verdict.skipped.map((s) => s.memoryId)]);
    const notFound = [...new Set(selector.ids ?? [])].filter((id) => !kept.has(id));
    return {
      deletedCount: erased.length,
      ...(verdict.skipped.length > 0 ? { skipped: verdict.skipped } : {}),
      ...(notFound.length > 0 ? { notFound } : {}),
    };
  }

  /**
   * Reads the selection, judges it by the forget policy and erases what it allows. A hold placed on a selected
   * memory in between (a repeated retain merging its tag) fails the erase, which erased nothing; the selection is
   * then read and judged again, and skips it.
   */
  private async eraseSelected(
    bankId: string,
    selector: MemorySelector,
    judged: { overrideLegalHold: boolean; now: Date },
    stamp: VersionStamp,
  ): Promise<{ erased: string[]; verdict: ForgetVerdict }> {
    const { store, governance } = this.parts;
    const holds = { holdTags: governance.forgetPolicy.legalHoldTags, overrideLegalHold: judged.overrideLegalHold };
    for (let attempt = 1; ; attempt++) {
      const candidates = await forgetCandidates(store, bankId, selector);
      const verdict = governance.checkForget(candidates, judged);
      try {
        return { erased: await store.erase(bankId, verdict.allowed, stamp, holds), verdict };
      } catch (error) {
        if (attempt >= MAX_SELECTIONS || !isHoldPlacedSince(error)) throw error;
      }
    }
  }

  /**
   * Erases every memory past its expiry, as forget does; returns how many. The forget policy applies: a memory whose
   * supersession chain is under legal hold, or younger than the minimum age, is kept (hidden, as expired) until the
   * hold is released or it is old enough.
   */
  async purgeExpired(context: AstrocyteContext | undefined, report: ErasureReport): Promise<number> {
    const { gate } = this.parts;
    const operation = OPERATIONS.purgeExpired;
    const caller = await gate.admit(operation, () => null, context);
    const erased: [string, string[]][] = [];
    const total = await this.eraseExpired(context, (bankId, memoryIds, skipped) => {
      erased.push([bankId, memoryIds]);
      report(bankId, memoryIds, skipped);
    });
    // One entry per bank it erased from, so that a bank's audit shows its purges; one for the store otherwise.
    for (const [bankId, memoryIds] of erased)
      await gate.record(caller, operation, bankId, { deletedCount: memoryIds.length, memoryIds });
    if (erased.length === 0) await gate.record(caller, operation, null, { deletedCount: 0 });
    return total;
  }

  private async eraseExpired(context: AstrocyteContext | undefined, report: ErasureReport): Promise<number> {
    const { store, governance } = this.parts;
    const now = this.parts.now();
    const stamp = versionStamp(governance, 'expire', now, context, 'expired');
    // The store reads only memories old enough to erase: those the minimum age keeps (a large share of a bank when
    // expiry rules are shorter) were read again every round, so a purge cost the square of their number, every time.
    const createdAtOrBefore = minAgeFloor(governance.forgetPolicy, now);
    // Memories under legal hold (rare) stay expired, so every round reads them again: asking for that many more than
    // a round's worth, and passing over them, keeps each round making progress and the loop from spinning on them.
    const kept = new Set<string>();
    let total = 0;
    for (;;) {
      const batch = await store.expired(now, 1000 + kept.size, createdAtOrBefore ? { createdAtOrBefore } : {});
      const expired = batch.filter((e) => !kept.has(e.id));
      if (expired.length === 0) return total;
      let erased = 0;
      let heldSince = false;
      for (const [bankId, rows] of groupBy(expired, (e) => e.bankId)) {
        const free: string[] = [];
        for (const candidate of await chainsOf(
          store,
          bankId,
          rows.map((r) => r.id),
        )) {
          if (governance.keepsExpired(candidate, now) !== undefined) kept.add(candidate.memoryId);
          else free.push(candidate.memoryId);
        }
        if (free.length === 0) continue;
        let ids: string[];
        try {
          ids = await store.erase(bankId, free, stamp, { holdTags: governance.forgetPolicy.legalHoldTags });
        } catch (error) {
          // Held since its chain was read: the next round reads it again and keeps it.
          if (!isHoldPlacedSince(error)) throw error;
          heldSince = true;
          continue;
        }
        report(bankId, ids, []);
        erased += ids.length;
      }
      total += erased;
      // Guards against a store that reports rows it cannot erase, which would loop forever.
      if (erased === 0 && !heldSince && expired.every((e) => !kept.has(e.id))) return total;
    }
  }
}

// How often forget reads its selection when holds keep being placed on it meanwhile, before it gives the error up.
const MAX_SELECTIONS = 3;
