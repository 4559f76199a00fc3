import { nearestByHamming } from './hamming-top-k.js';
import { LshTables } from './lsh-tables.js';
import { type SlotFilter, SlotTable } from './slot-table.js';
import { runAtOnce, type Steps } from './steps.js';
import type { VectorSketch } from './vector-sketch.js';

// Up to this many rows the near-duplicate check reads every signature: cheaper than the tables, and it misses nothing.
const LINEAR_SCAN_MAX = 2048;

/**
 * One bank's candidate index, in memory: its slot table, plus LSH tables built on first use by the near-duplicate
 * check. It proposes candidates; callers confirm them against the stored vectors.
 */
export class BankIndex {
  readonly bankId: string;
  readonly slots: SlotTable;
  /** The highest rowid appended, from which commits of other connections are read. */
  maxSeq = 0;
  private lsh: LshTables | null = null;

  constructor(bankId: string, dimensions: number, capacity = 64) {
    this.bankId = bankId;
    this.slots = new SlotTable(dimensions, capacity);
  }

  /** Appends a row; `expiresAt` null means never. */
  add(seq: number, moment: number, expiresAt: number | null, sketch: VectorSketch): void {
    const slot = this.slots.add(seq, moment, expiresAt, sketch);
    this.maxSeq = Math.max(this.maxSeq, seq);
    this.lsh?.link(this.slots, slot);
  }

  /** Drops every slot from `size` on and restores `maxSeq`: undoes the appends of a transaction that rolled back. */
  truncate(size: number, maxSeq: number): void {
    if (this.lsh && !this.lsh.unlinkFrom(this.slots, size)) this.lsh = null;
    this.slots.truncate(size);
    this.maxSeq = maxSeq;
  }

  /** Up to `want` live slots passing `filter`, nearest by Hamming distance (see nearestByHamming). */
  nearestByHamming(query: Uint32Array, want: number, filter: SlotFilter): number[] {
    return nearestByHamming(this.slots, query, want, filter);
  }

  /**
   * Live slots within `bound` bits of `query` over the whole signature that share an LSH bucket with it in at least
   * two bands (see LshTables.candidates). Small banks are scanned whole instead, which misses nothing within the
   * bound.
   */
  nearDuplicateCandidates(query: Uint32Array, uncertain: Uint8Array, bound: number): number[] {
    const slots = this.slots;
    if (slots.size <= LINEAR_SCAN_MAX) {
      const out: number[] = [];
      for (let slot = 0; slot < slots.size; slot++)
        if (!slots.isDead(slot) && slots.hamming(query, slot) <= bound) out.push(slot);
      return out;
    }
    runAtOnce(this.prepareNearDuplicates());
    return (this.lsh as LshTables)
      .candidates(slots, query, uncertain)
      .filter((slot) => !slots.isDead(slot) && slots.hamming(query, slot) <= bound);
  }

  /**
   * Builds, in steps, what the near-duplicate check reads: past LINEAR_SCAN_MAX rows, the LSH tables, when missing or
   * outgrown (see LshTables.fits). A writer runs the steps sliced before each check, which then finds them ready.
   */
  *prepareNearDuplicates(): Steps<void> {
    if (this.slots.size > LINEAR_SCAN_MAX && !this.lsh?.fits(this.slots.size))
      this.lsh = yield* LshTables.build(this.slots);
  }
}
