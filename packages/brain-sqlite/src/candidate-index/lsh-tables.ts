import type { SlotTable } from './slot-table.js';
import { ROWS_PER_STEP, type Steps } from './steps.js';
import { i32, increment, u8, u32 } from './typed-access.js';
import { PROBE_FLIPS } from './vector-sketch.js';

// Locality-sensitive hashing for the near-duplicate check: the 512 signature bits cut into 32 bands of 16 bits, each
// probed at its own key and with each of its PROBE_FLIPS least certain bits flipped. Measured on pairs at cosine
// 0.950, a pair meets in 13.6 of the 32 bands on average (42%) and in at least 6 of them in the worst of 300 pairs.
const BANDS = 32;
const BAND_BITS = 16;
const MIN_TABLE_BITS = 8;

/**
 * LSH tables over a slot table: slots below `packed` grouped by bucket in `entries` (per band, a counting sort, so a
 * probe reads one contiguous run instead of chasing a pointer and a cache miss per row), slots appended since in
 * per-bucket chains, newest first. Rebuilt packed when the bank outgrows them (see `fits`).
 */
export class LshTables {
  readonly bits: number;
  readonly packed: number;
  /** Per band, (2^bits + 1) offsets into that band's run of `entries`. */
  private readonly offsets: Int32Array;
  private readonly entries: Int32Array;
  private readonly heads: Int32Array;
  private next: Int32Array;
  // visited[slot] is 2·epoch after a slot's first band match and 2·epoch + 1 once it has been kept: one array read
  // per entry walked, and no clearing between calls.
  private visited: Uint32Array;
  private visitEpoch = 0;

  private constructor(bits: number, packed: number, offsets: Int32Array, entries: Int32Array, capacity: number) {
    this.bits = bits;
    this.packed = packed;
    this.offsets = offsets;
    this.entries = entries;
    this.heads = new Int32Array(BANDS << bits).fill(-1);
    this.next = new Int32Array(1024 * BANDS);
    this.visited = new Uint32Array(capacity);
  }

  /** Packs every live slot of the table, band by band, grouped by bucket, in steps of ROWS_PER_STEP slots. */
  static *build(slots: SlotTable): Steps<LshTables> {
    const bits = tableBits(slots.size);
    const buckets = (1 << bits) + 1;
    const mask = (1 << bits) - 1;
    const packed = slots.size;
    const offsets = new Int32Array(BANDS * buckets);
    const entries = new Int32Array(BANDS * packed);
    const keys = new Int32Array(packed);
    for (let band = 0; band < BANDS; band++) {
      const base = band * buckets;
      for (let slot = 0; slot < packed; slot++) {
        const key = slots.isDead(slot) ? -1 : slotBandKey(slots, slot, band) & mask;
        keys[slot] = key;
        if (key >= 0) increment(offsets, base + key + 1);
        if (slot % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
      }
      for (let b = 1; b < buckets; b++) offsets[base + b] = i32(offsets, base + b) + i32(offsets, base + b - 1);
      const fill = offsets.slice(base, base + buckets);
      for (let slot = 0; slot < packed; slot++) {
        const key = i32(keys, slot);
        if (key < 0) continue;
        entries[band * packed + i32(fill, key)] = slot;
        increment(fill, key);
      }
      yield;
    }
    return new LshTables(bits, packed, offsets, entries, slots.capacity);
  }

  /** Whether the tables still suit a bank of `size` slots: not outgrown, and not too many slots in the chains. */
  fits(size: number): boolean {
    return tableBits(size) <= this.bits && size - this.packed <= Math.max(1024, this.packed / 4);
  }

  /** Adds a slot appended after packing to the head of its bucket's chain in every band. */
  link(slots: SlotTable, slot: number): void {
    const row = (slot - this.packed) * BANDS;
    if (row + BANDS > this.next.length) {
      const next = new Int32Array(this.next.length * 2);
      next.set(this.next);
      this.next = next;
    }
    const mask = (1 << this.bits) - 1;
    for (let band = 0; band < BANDS; band++) {
      const head = (band << this.bits) + (slotBandKey(slots, slot, band) & mask);
      this.next[row + band] = i32(this.heads, head);
      this.heads[head] = slot;
    }
  }

  /**
   * Takes slots [size, slots.size) out again, newest first: they head their chains, so unlinking in reverse order
   * restores each chain exactly. False when a packed slot would go: the tables must then be rebuilt.
   */
  unlinkFrom(slots: SlotTable, size: number): boolean {
    const mask = (1 << this.bits) - 1;
    for (let slot = slots.size - 1; slot >= size; slot--) {
      if (slot < this.packed) return false;
      for (let band = 0; band < BANDS; band++) {
        const head = (band << this.bits) + (slotBandKey(slots, slot, band) & mask);
        if (i32(this.heads, head) === slot) this.heads[head] = i32(this.next, (slot - this.packed) * BANDS + band);
      }
    }
    return true;
  }

  /**
   * Slots (dead ones too) that share a bucket with `query` in at least two bands (each band probed at its key and with each of
   * its least certain bits flipped). Requiring two bands skips most merely similar rows without reading their
   * signatures; a pair at cosine 0.95 shares 13.6 bands on average.
   */
  candidates(slots: SlotTable, query: Uint32Array, uncertain: Uint8Array): number[] {
    const mask = (1 << this.bits) - 1;
    const buckets = (1 << this.bits) + 1;
    if (this.visited.length < slots.capacity) {
      this.visited = new Uint32Array(slots.capacity);
      this.visitEpoch = 0;
    }
    if (++this.visitEpoch >= 0x7fffffff) {
      this.visited.fill(0);
      this.visitEpoch = 1;
    }
    const once = this.visitEpoch * 2;
    const visited = this.visited;
    const probed = new Int32Array(PROBE_FLIPS + 1);
    const second: number[] = [];
    for (let band = 0; band < BANDS; band++) {
      const key = bandKey(u32(query, band >>> 1), band);
      let walked = 0;
      for (let probe = -1; probe < PROBE_FLIPS; probe++) {
        const bucket = (probe < 0 ? key : key ^ (1 << u8(uncertain, band * PROBE_FLIPS + probe))) & mask;
        // A narrow table folds flipped keys onto one bucket; walking it twice would count a band twice.
        let repeat = false;
        for (let j = 0; j < walked; j++) repeat ||= probed[j] === bucket;
        if (repeat) continue;
        probed[walked++] = bucket;
        const at = band * buckets + bucket;
        const to = band * this.packed + i32(this.offsets, at + 1);
        let i = band * this.packed + i32(this.offsets, at);
        let slot = i32(this.heads, (band << this.bits) + bucket);
        while (true) {
          let current: number;
          if (i < to) current = i32(this.entries, i++);
          else if (slot >= 0) {
            current = slot;
            slot = i32(this.next, (slot - this.packed) * BANDS + band);
          } else break;
          const seen = u32(visited, current);
          if (seen < once) visited[current] = once;
          else if (seen === once) {
            visited[current] = once + 1;
            second.push(current);
          }
        }
      }
    }
    return second;
  }
}

// A band's 16 bits: half of signature word band / 2.
function bandKey(word: number, band: number): number {
  return (word >>> ((band & 1) * BAND_BITS)) & 0xffff;
}

function slotBandKey(slots: SlotTable, slot: number, band: number): number {
  return bandKey(slots.rows.word(slot, band >>> 1), band);
}

// A table about as large as the bank keeps buckets short; past 2^16 buckets the 16-bit keys are used whole.
function tableBits(rows: number): number {
  let bits = MIN_TABLE_BITS;
  while (bits < BAND_BITS && 1 << bits < rows) bits++;
  return bits;
}
