import { ChunkedColumn, chunkedCapacity, grownCapacity } from './chunked-column.js';
import { SignatureRows } from './hamming-kernel.js';
import { f32, f64, u32 } from './typed-access.js';
import type { VectorSketch } from './vector-sketch.js';

/** Time and expiry conditions in epoch milliseconds: moment within [from, to], expiry after now. */
export interface SlotFilter {
  from: number;
  to: number;
  now: number;
}

/**
 * One bank's rows in memory, a slot each: rowid, time, expiry, signature, int8 code and scale, in parallel columns.
 * Slots are appended in commit order; a removed row's slot is marked dead, not reused. A transaction's appends can
 * be cut off again (`truncate`) when it rolls back, which brings back any rowid a new slot shadowed.
 */
export class SlotTable {
  readonly dimensions: number;
  /** Slots in use, dead ones included. */
  size = 0;
  /** Slots not dead. */
  live = 0;
  capacity: number;
  /** Every slot's 512-bit signature. */
  readonly rows: SignatureRows;
  /** Every slot's int8 code, `dimensions` bytes a slot. */
  readonly codes: ChunkedColumn<Int8Array>;
  private readonly seqs: ChunkedColumn<Float64Array>;
  private readonly moments: ChunkedColumn<Float64Array>;
  // Expiry in epoch ms, +Infinity for never, -Infinity for a removed slot.
  private readonly expires: ChunkedColumn<Float64Array>;
  private readonly scales: ChunkedColumn<Float32Array>;
  // A bit a slot, set for a slot that is removed or expires: a search without a time range reads only this for most
  // slots. A bit array of a million slots stays in the processor's cache; reading the expiry, the moment and a dead
  // flag of each candidate slot missed it every time and took 2.8 ms of a search that kept 14,000 slots. One array
  // (125 KB at a million slots, copied when it grows) keeps that pass a plain loop.
  private mortal: Uint32Array;
  private readonly slotBySeq = new Map<number, number>();
  // Slot -> the older slot of the same rowid it shadows, until the transaction that appended it commits.
  private readonly shadowed = new Map<number, number>();

  constructor(dimensions: number, capacity: number) {
    this.dimensions = dimensions;
    this.capacity = chunkedCapacity(Math.max(16, capacity));
    this.seqs = new ChunkedColumn((n) => new Float64Array(n), 1, this.capacity);
    this.moments = new ChunkedColumn((n) => new Float64Array(n), 1, this.capacity);
    this.expires = new ChunkedColumn((n) => new Float64Array(n), 1, this.capacity);
    this.scales = new ChunkedColumn((n) => new Float32Array(n), 1, this.capacity);
    this.codes = new ChunkedColumn((n) => new Int8Array(n), dimensions, this.capacity);
    this.rows = new SignatureRows(this.capacity);
    this.mortal = new Uint32Array(Math.ceil(this.capacity / 32));
  }

  /** Appends a row and returns its slot; `expiresAt` null means never. */
  add(seq: number, moment: number, expiresAt: number | null, sketch: VectorSketch): number {
    if (this.size === this.capacity) this.grow();
    const slot = this.size++;
    put(this.seqs, slot, seq);
    put(this.moments, slot, moment);
    put(this.expires, slot, expiresAt ?? Number.POSITIVE_INFINITY);
    this.markMortal(slot, expiresAt !== null);
    this.rows.set(slot, sketch.signature);
    this.codes.chunk(slot).set(sketch.code, this.codes.offset(slot));
    put(this.scales, slot, sketch.scale);
    // A transaction that deleted the newest row and then inserted one may get its rowid back: remember whose it was,
    // in case the transaction rolls back.
    const previous = this.slotBySeq.get(seq);
    if (previous !== undefined) this.shadowed.set(slot, previous);
    this.slotBySeq.set(seq, slot);
    this.live++;
    return slot;
  }

  /** The rowid of a slot. */
  seq(slot: number): number {
    return f64(this.seqs.chunk(slot), this.seqs.offset(slot));
  }

  /** What a code unit of the slot is worth (see VectorSketch.scale). */
  scale(slot: number): number {
    return f32(this.scales.chunk(slot), this.scales.offset(slot));
  }

  /** Hamming distance between `query` and a slot's signature. */
  hamming(query: Uint32Array, slot: number): number {
    return this.rows.hamming(query, slot);
  }

  /** Whether the slot was removed. */
  isDead(slot: number): boolean {
    return this.expiry(slot) === Number.NEGATIVE_INFINITY;
  }

  /** Live, unexpired, and within the time range. */
  passes(slot: number, filter: SlotFilter): boolean {
    const timed = filter.from !== Number.NEGATIVE_INFINITY || filter.to !== Number.POSITIVE_INFINITY;
    if (!timed && (u32(this.mortal, slot >>> 5) & (1 << (slot & 31))) === 0) return true;
    // A dead slot's -Infinity is never after `now`.
    if (this.expiry(slot) <= filter.now) return false;
    if (!timed) return true;
    const moment = f64(this.moments.chunk(slot), this.moments.offset(slot));
    return moment >= filter.from && moment <= filter.to;
  }

  /** The slot of the live row with this rowid, if the table holds it. */
  slotOf(seq: number): number | undefined {
    return this.slotBySeq.get(seq);
  }

  /** Whether this rowid is a live row of the table. */
  has(seq: number): boolean {
    return this.slotBySeq.has(seq);
  }

  /** Marks a slot dead. */
  remove(slot: number): void {
    if (slot >= this.size || this.isDead(slot)) return;
    put(this.expires, slot, Number.NEGATIVE_INFINITY);
    this.markMortal(slot, true);
    this.live--;
    const seq = this.seq(slot);
    if (this.slotBySeq.get(seq) === slot) this.slotBySeq.delete(seq);
  }

  /** Gives a live slot another expiry; null means never. */
  expireAt(slot: number, expiresAt: number | null): void {
    if (slot >= this.size || this.isDead(slot)) return;
    put(this.expires, slot, expiresAt ?? Number.POSITIVE_INFINITY);
    this.markMortal(slot, expiresAt !== null);
  }

  /** Forgets what rollbacks would need: the transaction that appended the slots committed. */
  settle(): void {
    this.shadowed.clear();
  }

  /** Drops every slot from `size` on: undoes the appends of a transaction that rolled back. */
  truncate(size: number): void {
    for (let slot = this.size - 1; slot >= size; slot--) {
      if (!this.isDead(slot)) {
        this.live--;
        const seq = this.seq(slot);
        if (this.slotBySeq.get(seq) === slot) {
          const previous = this.shadowed.get(slot);
          if (previous !== undefined && !this.isDead(previous)) this.slotBySeq.set(seq, previous);
          else this.slotBySeq.delete(seq);
        }
      }
      this.shadowed.delete(slot);
    }
    this.size = Math.min(this.size, size);
  }

  private markMortal(slot: number, mortal: boolean): void {
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    this.mortal[word] = mortal ? u32(this.mortal, word) | bit : u32(this.mortal, word) & ~bit;
  }

  private expiry(slot: number): number {
    return f64(this.expires.chunk(slot), this.expires.offset(slot));
  }

  private grow(): void {
    const capacity = grownCapacity(this.capacity);
    for (const column of [this.seqs, this.moments, this.expires, this.scales, this.codes]) column.resize(capacity);
    this.rows.resize(capacity);
    const mortal = new Uint32Array(Math.ceil(capacity / 32));
    mortal.set(this.mortal);
    this.mortal = mortal;
    this.capacity = capacity;
  }
}

// Writes a slot's value in a column of one number a slot.
function put(column: ChunkedColumn<Float64Array | Float32Array>, slot: number, value: number): void {
  column.chunk(slot)[column.offset(slot)] = value;
}
