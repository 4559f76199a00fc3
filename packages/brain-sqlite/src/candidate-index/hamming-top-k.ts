import type { SlotFilter, SlotTable } from './slot-table.js';
import { increment, u16, u32 } from './typed-access.js';

// One slot in this many is sampled to predict the cut-off distance of a large bank.
const SAMPLE_STRIDE = 16;
// Distances on the first 256 bits run from 0 to 256, on all 512 from 0 to 512.
const HEAD_DISTANCES = 257;
const FULL_DISTANCES = 513;
// The scan's 256 bits pick at least one slot in POOL_SHARE of the bank, which all 512 bits then rank down to the
// `want` asked for. The first 256 bits alone rank a large bank's true neighbours ever further down: at a million
// memories the 1,600 nearest on them held 0.91 and 0.95 of the true ten nearest (two sets of 100 queries), the 1,600
// of a pool of 6,250 ranked on all 512 bits 0.97 and 0.99 (1,600 candidates for the int8 estimates either way). Up
// to 256,000 memories there is no second ranking: at 100,000 the first held 0.99 already, and reading a pool's
// second halves costs a cache miss a slot (about 0.6 ms for 6,250 at a million, in the kernel).
export const POOL_SHARE = 160;

/**
 * Up to `want` live slots passing `filter`, in slot order: of a pool of the nearest by Hamming distance on the first
 * 256 signature bits (`want`, or a share of a large bank), the `want` nearest on all 512. At either cut-off distance
 * the lowest slots win, so the answer is a function of the bank and the query alone.
 */
export function nearestByHamming(slots: SlotTable, query: Uint32Array, want: number, filter: SlotFilter): number[] {
  const scanned = slots.rows.scan(query, slots.size);
  const pool = nearestOnHeads(slots, scanned, Math.max(want, Math.ceil(slots.size / POOL_SHARE)), filter);
  return pool.length <= want ? pool : nearestOnFull(slots, query, pool, want);
}

/**
 * Up to `want` slots by distance on the first 256 bits. A large bank is cut by a sample: every SAMPLE_STRIDE-th
 * slot's distance predicts a distance below which comfortably more than `want` slots lie, one pass keeps those
 * slots, and the exact cut-off is found among them. When the prediction falls short the whole bank is counted
 * instead, so the answer is the same either way.
 */
function nearestOnHeads(slots: SlotTable, scanned: Uint16Array, want: number, filter: SlotFilter): number[] {
  if (scanned.length >= want * 8) {
    const bound = sampledBound(slots, scanned, want, filter);
    const picked = bound === null ? [] : nearestWithin(slots, scanned, want, filter, bound);
    if (picked.length === want) return picked;
  }
  return nearestWithin(slots, scanned, want, filter, HEAD_DISTANCES - 1);
}

// A distance under which a sample of every SAMPLE_STRIDE-th slot puts twice `want` slots, or null if none does:
// the count under it is short of `want` only many standard deviations out.
function sampledBound(slots: SlotTable, scanned: Uint16Array, want: number, filter: SlotFilter): number | null {
  const sample = new Uint32Array(HEAD_DISTANCES);
  for (let slot = 0; slot < scanned.length; slot += SAMPLE_STRIDE) {
    if (slots.passes(slot, filter)) increment(sample, u16(scanned, slot));
  }
  const target = Math.ceil((2 * want) / SAMPLE_STRIDE);
  let bound = 0;
  for (let seen = u32(sample, 0); seen < target; seen += u32(sample, bound)) if (++bound >= HEAD_DISTANCES) return null;
  return bound;
}

// Up to `want` slots passing `filter` within `bound` bits, nearest first at the cut-off: the kernel picks the slots
// within the bound, this keeps those passing the filter and counts their distances, then the cut-off picks among them.
// No sort of the whole bank.
function nearestWithin(
  slots: SlotTable,
  scanned: Uint16Array,
  want: number,
  filter: SlotFilter,
  bound: number,
): number[] {
  const near = slots.rows.within(bound, scanned.length);
  const histogram = new Uint32Array(HEAD_DISTANCES);
  // The passing slots are packed at the front of the kernel's own list, which nothing else reads before the next search.
  let count = 0;
  for (let i = 0; i < near.length; i++) {
    const slot = u32(near, i);
    if (!slots.passes(slot, filter)) continue;
    near[count++] = slot;
    increment(histogram, u16(scanned, slot));
  }
  const candidates = near.subarray(0, count);
  return cutInSlotOrder(candidates, (i) => u16(scanned, u32(candidates, i)), histogram, want);
}

// Of the pool (slots in slot order, nearest on the first 256 bits), the `want` nearest on all 512: the kernel adds
// their second halves' distances to the scan's (every slot a cache miss, which its short loop overlaps).
function nearestOnFull(slots: SlotTable, query: Uint32Array, pool: number[], want: number): number[] {
  const distances = slots.rows.ranked(query, pool);
  const histogram = new Uint32Array(FULL_DISTANCES);
  for (let i = 0; i < distances.length; i++) increment(histogram, u16(distances, i));
  return cutInSlotOrder(pool, (i) => u16(distances, i), histogram, want);
}

// The `want` slots of `candidates` (in slot order) with the smallest distances (`distance` of the i-th candidate),
// `histogram` counting them; at the cut-off distance the first ones win.
function cutInSlotOrder(
  candidates: ArrayLike<number>,
  distance: (i: number) => number,
  histogram: Uint32Array,
  want: number,
): number[] {
  let cutoff = 0;
  let below = 0;
  while (cutoff < histogram.length && below + u32(histogram, cutoff) <= want) below += u32(histogram, cutoff++);
  let ties = want - below;
  const out: number[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const slot = candidates[i] as number;
    const d = distance(i);
    if (d < cutoff) out.push(slot);
    else if (d === cutoff && ties > 0) {
      out.push(slot);
      ties--;
    }
  }
  return out;
}
