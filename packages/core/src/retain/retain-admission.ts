import type { RetainPlan } from '../governance/governance.js';
import type { MemoryRecord } from '../memory-store.js';

/** What a call would write to one bank, after routing: new live memories (a replacement adds none) and content bytes. */
export interface BankWrite {
  bankId: string;
  memories: number;
  /** UTF-8 bytes of the contents as they would be stored, duplicates included. */
  bytes: number;
}

/**
 * Access control's say on a call, once the banks its records go to are known and before anything is embedded or
 * stored: it throws to refuse the whole call, and may return what gives back its reservations should the store fail.
 */
export type RetainAdmission = (writes: BankWrite[]) => Promise<(() => Promise<void>) | undefined>;

/**
 * What a call's records write to each bank: the stored content's bytes (each item's, once, however it is chunked),
 * and a new live memory per record that replaces none.
 */
export function bankWrites(plans: RetainPlan[], records: MemoryRecord[]): BankWrite[] {
  const writes = new Map<string, BankWrite>();
  const to = (bankId: string): BankWrite => {
    const write = writes.get(bankId) ?? { bankId, memories: 0, bytes: 0 };
    writes.set(bankId, write);
    return write;
  };
  for (const plan of plans) if (plan.kind === 'store') to(plan.bankId).bytes += Buffer.byteLength(plan.content, 'utf8');
  for (const record of records) if (record.supersedes === null) to(record.bankId).memories += 1;
  return [...writes.values()];
}
