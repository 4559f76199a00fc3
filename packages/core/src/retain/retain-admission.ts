import type { RetainPlan } from '../governance/governance.js';

/** What a call would write to one bank, after routing: the UTF-8 bytes of its contents as they would be stored. */
export interface BankWrite {
  bankId: string;
  /** Duplicates included: whether an item is one is known only once the store has it. */
  bytes: number;
}

/** What access control lets a call write: the limits its insert runs under, and what to do should the insert fail. */
export interface AdmittedRetain {
  /** The most live memories each bank may hold once the call is stored (InsertOptions.memoryLimits). */
  memoryLimits?: ReadonlyMap<string, number>;
  /** Gives back what the admission reserved and records a quota refusal; called with what the insert threw. */
  failed(error: unknown): Promise<void>;
}

/**
 * Access control's say on a call, once the banks its records go to are known and before anything is embedded or
 * stored: it throws to refuse the whole call, or returns what the insert runs under.
 */
export type RetainAdmission = (writes: BankWrite[]) => Promise<AdmittedRetain>;

/** What a call stores in each bank: the stored content's bytes, each item's once, however it is chunked. */
export function bankWrites(plans: RetainPlan[]): BankWrite[] {
  const writes = new Map<string, BankWrite>();
  for (const plan of plans) {
    if (plan.kind !== 'store') continue;
    const write = writes.get(plan.bankId) ?? { bankId: plan.bankId, bytes: 0 };
    write.bytes += Buffer.byteLength(plan.content, 'utf8');
    writes.set(plan.bankId, write);
  }
  return [...writes.values()];
}
