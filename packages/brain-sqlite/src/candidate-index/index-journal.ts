import type { TransactionFollower } from '../connection.js';
import type { StatementCache } from '../statement-cache.js';
import type { BankIndex } from './bank-index.js';
import type { CandidateIndex } from './candidate-index.js';
import type { VectorSketch } from './vector-sketch.js';

/** The erase epoch other connections compare to notice an erase ('0' before the first). */
export function readEraseEpoch(statements: StatementCache): string {
  return (
    (statements.prepare("SELECT value FROM astrocyte_meta WHERE key = 'erase_epoch'").pluck().get() as
      | string
      | undefined) ?? '0'
  );
}

// What a transaction does to a slot at its commit: removes it, or gives it another expiry (null: never).
type SlotChange = { remove: true } | { expiresAt: number | null };

/**
 * Keeps the candidate index in step with the store's write transactions. At the start it catches the index up with
 * other connections (inside the write lock); a row inserted is appended at once, so later records of the batch see
 * it; a row deleted leaves the index only after the commit (its slot resolved at once: a row inserted later in the
 * same transaction may reuse the rowid), and bumps the erase epoch so other connections reload. A rollback cuts the
 * appended slots off again.
 */
export class IndexJournal implements TransactionFollower {
  private readonly statements: StatementCache;
  private readonly index: CandidateIndex;
  // Per bank appended to: its size and highest rowid before the transaction.
  private sizes = new Map<BankIndex, { size: number; maxSeq: number }>();
  // Slots of loaded banks this transaction deleted or gave another expiry: applied at the commit.
  private slotChanges: { bank: BankIndex; slot: number; change: SlotChange }[] = [];
  // The erase_epoch value the current transaction set, once it has deleted a row.
  private epochWritten: string | null = null;

  constructor(statements: StatementCache, index: CandidateIndex) {
    this.statements = statements;
    this.index = index;
  }

  /** Catches the index up with other connections' commits and starts recording. */
  begin(): void {
    this.epochWritten = null;
    this.sizes = new Map();
    this.slotChanges = [];
    this.index.sync();
  }

  /** A row this transaction inserted, appended to its bank's index if loaded. */
  added(bankId: string, seq: number, moment: number, expiresAt: number | null, sketch: VectorSketch): void {
    const bank = this.index.loaded(bankId);
    if (!bank) return;
    if (!this.sizes.has(bank)) this.sizes.set(bank, { size: bank.slots.size, maxSeq: bank.maxSeq });
    bank.add(seq, moment, expiresAt, sketch);
  }

  /** A row this transaction deleted: it leaves the index at the commit. */
  removed(bankId: string, seq: number): void {
    // Other connections' indexes cannot see a delete (and SQLite may reuse the rowid): the epoch tells them to reload.
    this.slotChanged(bankId, seq, { remove: true });
  }

  /** A row whose expiry this transaction moved (null: removed): its slot takes it from the commit on. */
  expiryMoved(bankId: string, seq: number, expiresAt: number | null): void {
    // Other connections' indexes would keep the old expiry: the epoch tells them to reload.
    this.slotChanged(bankId, seq, { expiresAt });
  }

  // Bumps the erase epoch once per transaction, and notes the change of the row's slot if its bank is loaded.
  private slotChanged(bankId: string, seq: number, change: SlotChange): void {
    if (this.epochWritten === null) {
      this.statements
        .prepare(
          `INSERT INTO astrocyte_meta (key, value) VALUES ('erase_epoch', '1')
           ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`,
        )
        .run();
      this.epochWritten = readEraseEpoch(this.statements);
    }
    const bank = this.index.loaded(bankId);
    const slot = bank?.slots.slotOf(seq);
    if (bank && slot !== undefined) this.slotChanges.push({ bank, slot, change });
  }

  /** Applies the transaction's deletions and removed expiries. */
  committed(): void {
    for (const { bank, slot, change } of this.slotChanges)
      if ('remove' in change) bank.slots.remove(slot);
      else bank.slots.expireAt(slot, change.expiresAt);
    for (const bank of this.sizes.keys()) bank.slots.settle();
    if (this.epochWritten !== null) this.index.erasedHere(this.epochWritten);
    this.sizes = new Map();
    this.slotChanges = [];
  }

  /** Undoes the transaction's appends. */
  rolledBack(): void {
    for (const [bank, before] of this.sizes) bank.truncate(before.size, before.maxSeq);
    this.sizes = new Map();
    this.slotChanges = [];
  }
}
