import { PolicyError, ValidationError } from '../errors.js';
import type { ChainMember } from '../memory-store.js';

/** Limits on forgetting: legal holds, a minimum age, and how much one call may erase. */
export interface ForgetPolicy {
  /** Memories carrying any of these tags are kept unless the forget overrides the hold and gives a reason. */
  legalHoldTags: string[];
  /** Memories younger than this are kept (a retention floor); 0 turns it off. */
  minAgeDays: number;
  /** A forget that would erase more than this fails as a whole, so that a wrong selector cannot wipe a bank. */
  maxPerCall: number;
}

/**
 * A memory a forget would erase, live or superseded, with its whole supersession chain (itself included): erasing
 * it erases the text of the memories it replaced, so a hold on any memory of the chain holds it.
 */
export interface ForgetCandidate {
  memoryId: string;
  createdAt: Date;
  /** The long text it is a chunk of (see ChainMember.documentId); a forget erases it whole and counts it once. */
  documentId?: string | null;
  chain: Pick<ChainMember, 'id' | 'tags'>[];
}

/** The forget policy's verdict: the ids a forget may erase, and those it keeps with why. */
export interface ForgetVerdict {
  allowed: string[];
  skipped: { memoryId: string; reason: string }[];
}

/** The legal hold on a supersession chain, if any of its memories carries a hold tag: which tag, on which memory. */
export function legalHold(
  policy: ForgetPolicy,
  chain: Pick<ChainMember, 'id' | 'tags'>[],
): { tag: string; memoryId: string } | undefined {
  for (const member of chain) {
    const tag = member.tags.find((t) => policy.legalHoldTags.includes(t));
    if (tag !== undefined) return { tag, memoryId: member.id };
  }
  return undefined;
}

/** Throws unless an override of a legal hold comes with a reason, which history records. */
export function checkOverride(overrideLegalHold: unknown, reason: string | undefined): boolean {
  if (overrideLegalHold !== undefined && typeof overrideLegalHold !== 'boolean')
    throw new ValidationError('overrideLegalHold', 'must be a boolean');
  if (overrideLegalHold && !(reason !== undefined && reason.trim().length > 0)) {
    throw new ValidationError(
      'reason',
      'is required with overrideLegalHold; it is recorded in the history of every memory it concerns',
    );
  }
  return overrideLegalHold === true;
}

/** Splits the memories a forget selected into those the policy lets it erase and those it keeps, with why. */
export function applyForgetPolicy(
  policy: ForgetPolicy,
  candidates: ForgetCandidate[],
  options: { overrideLegalHold: boolean; now: Date },
): ForgetVerdict {
  const verdict: ForgetVerdict = { allowed: [], skipped: [] };
  for (const candidate of candidates) {
    const reason = keepReason(policy, candidate, options);
    if (reason === undefined) verdict.allowed.push(candidate.memoryId);
    else verdict.skipped.push({ memoryId: candidate.memoryId, reason });
  }
  // A long text counts once, whatever its chunks: it was retained as one, and no narrower selection can split it.
  const allowed = new Set(verdict.allowed);
  const texts = new Set(candidates.filter((c) => allowed.has(c.memoryId)).map((c) => c.documentId ?? c.memoryId));
  if (texts.size > policy.maxPerCall) {
    throw new PolicyError(
      `this forget would erase ${texts.size} memories; the policy allows at most ${policy.maxPerCall} per call; narrow the selection`,
      { details: { selected: texts.size, maxPerCall: policy.maxPerCall } },
    );
  }
  return verdict;
}

/** The latest creation time a memory may have to be old enough to erase, when the policy sets a minimum age. */
export function minAgeFloor(policy: ForgetPolicy, now: Date): Date | undefined {
  return policy.minAgeDays > 0 ? new Date(now.getTime() - policy.minAgeDays * 86_400_000) : undefined;
}

/**
 * Why the policy keeps a memory that a forget or a purge selected (a legal hold on its chain, the minimum age), or
 * undefined when it may be erased.
 */
export function keepReason(
  policy: ForgetPolicy,
  candidate: ForgetCandidate,
  options: { overrideLegalHold: boolean; now: Date },
): string | undefined {
  const hold = legalHold(policy, candidate.chain);
  if (hold !== undefined && !options.overrideLegalHold) {
    const where = hold.memoryId === candidate.memoryId ? '' : ` on memory ${hold.memoryId} of its supersession chain`;
    return `under legal hold (tag "${hold.tag}"${where}); forget with overrideLegalHold and a reason`;
  }
  const floor = minAgeFloor(policy, options.now);
  if (floor !== undefined && candidate.createdAt > floor)
    return `younger than the minimum age of ${policy.minAgeDays} days`;
  return undefined;
}
