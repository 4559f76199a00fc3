import { PolicyError, ValidationError } from '../errors.js';
import type { Memory } from '../types.js';

/** Limits on forgetting: legal holds, a minimum age, and how much one call may erase. */
export interface ForgetPolicy {
  /** Memories carrying any of these tags are kept unless the forget overrides the hold and gives a reason. */
  legalHoldTags: string[];
  /** Memories younger than this are kept (a retention floor); 0 turns it off. */
  minAgeDays: number;
  /** A forget that would erase more than this fails as a whole, so that a wrong selector cannot wipe a bank. */
  maxPerCall: number;
}

/** The forget policy's verdict on the memories a forget selected. */
export interface ForgetVerdict {
  allowed: Memory[];
  skipped: { memoryId: string; reason: string }[];
}

/** Splits selected memories into those the policy lets a forget erase and those it keeps, with why. */
export function applyForgetPolicy(
  policy: ForgetPolicy,
  memories: Memory[],
  options: { overrideLegalHold?: boolean; reason?: string; now: Date },
): ForgetVerdict {
  if (options.overrideLegalHold && !(typeof options.reason === 'string' && options.reason.trim().length > 0)) {
    throw new ValidationError(
      'reason',
      'is required with overrideLegalHold; it is recorded in the history of every memory erased',
    );
  }
  const floor = options.now.getTime() - policy.minAgeDays * 86_400_000;
  const verdict: ForgetVerdict = { allowed: [], skipped: [] };
  for (const memory of memories) {
    const hold = memory.tags.find((tag) => policy.legalHoldTags.includes(tag));
    if (hold !== undefined && !options.overrideLegalHold) {
      verdict.skipped.push({
        memoryId: memory.id,
        reason: `under legal hold (tag "${hold}"); forget with overrideLegalHold and a reason`,
      });
    } else if (policy.minAgeDays > 0 && memory.createdAt.getTime() > floor) {
      verdict.skipped.push({
        memoryId: memory.id,
        reason: `younger than the minimum age of ${policy.minAgeDays} days`,
      });
    } else {
      verdict.allowed.push(memory);
    }
  }
  if (verdict.allowed.length > policy.maxPerCall) {
    throw new PolicyError(
      `this forget would erase ${verdict.allowed.length} memories; the policy allows at most ${policy.maxPerCall} per call; narrow the selection`,
      { details: { selected: verdict.allowed.length, maxPerCall: policy.maxPerCall } },
    );
  }
  return verdict;
}
