import type { MemoryStore } from '../memory-store.js';

/** How a conformance suite gets stores of the backend under test. */
export interface StoreFactory {
  /** A new, empty store: its own file, database or schema. */
  create(): Promise<MemoryStore>;
  /** A second store over the same data as `store` (after it is closed), to test what persists; omit if nothing does. */
  reopen?(store: MemoryStore): Promise<MemoryStore>;
}

/** A bank id no other test uses, so suites can run in parallel against one database. */
export function randomBankId(prefix = 'bank'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
