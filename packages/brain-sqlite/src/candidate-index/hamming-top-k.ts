import type { SlotFilter, SlotTable } from './slot-table.js';
import { increment, u16, u32 } from './typed-access.js';

// One slot in this many is sampled to predict the cut-off distance of a large bank.
const SAMPLE_STRIDE = 16;
// Distances on 256 bits run from 0 to 256.
const DISTANCES = 257;

// Slots kept by nearestWithin, reused across searches (they are synchronous).
let within = new Uint32Array(0);

/**
 * Up to `want` live slots passing `filter`, nearest first by Hamming distance on the first 256 signature bits; at the
 * cut-off distance the lowest slots win. A large bank is cut by a sample: every SAMPLE_STRIDE-th slot's distance
 * predicts a distance below which comfortably more than `want` slots lie, one pass keeps those slots, and the exact
 * cut-off is found among them. When the prediction falls short the whole bank is counted instead, so the answer is
 * the same either way.
 */
export function nearestByHamming(slots: SlotTable, query: Uint32Array, want: number, filter: SlotFilter): number[] {
  const n = slots.size;
  const scanned = slots.rows.scan(query, n);
  if (n >= want * 8) {
    const bound = sampledBound(slots, scanned, want, filter);
    const picked = bound === null ? [] : nearestWithin(slots, scanned, want, filter, bound);
    if (picked.length === want) return picked;
  }
  return nearestWithin(slots, scanned, want, filter, DISTANCES - 1);
}

// A distance under which a sample of every SAMPLE_STRIDE-th slot puts twice `want` slots, or null if none does:
// the count under it is short of `want` only many standard deviations out.
function sampledBound(slots: SlotTable, scanned: Uint16Array, want: number, filter: SlotFilter): number | null {
  const sample = new Uint32Array(DISTANCES);
  for (let slot = 0; slot < scanned.length; slot += SAMPLE_STRIDE) {
    if (slots.passes(slot, filter)) increment(sample, u16(scanned, slot));
  }
  const target = Math.ceil((2 * want) / SAMPLE_STRIDE);
  let bound = 0;
  for (let seen = u32(sample, 0); seen < target; seen += u32(sample, bound)) if (++bound >= DISTANCES) return null;
  return bound;
}

// Up to `want` slots passing `filter` within `bound` bits, nearest first at the cut-off: one pass keeps the slots
// and counts their distances, a second picks those under the cut-off. No sort of the whole bank.
function nearestWithin(
  slots: SlotTable,
  scanned: Uint16Array,
  want: number,
  filter: SlotFilter,
  bound: number,
): number[] {
  if (within.length < scanned.length) within = new Uint32Array(slots.capacity);
  const histogram = new Uint32Array(DISTANCES);
  let kept = 0;
  for (let slot = 0; slot < scanned.length; slot++) {
    const d = u16(scanned, slot);
    if (d > bound || !slots.passes(slot, filter)) continue;
    within[kept++] = slot;
    increment(histogram, d);
  }
  const { cutoff, ties } = cutOff(histogram, want);
  let left = ties;
  const out: number[] = [];
  for (let i = 0; i < kept; i++) {
    const slot = u32(within, i);
    const d = u16(scanned, slot);
    if (d < cutoff) out.push(slot);
    else if (d === cutoff && left > 0) {
      out.push(slot);
      left--;
    }
  }
  return out;
}

// The distance under which fewer than `want` slots lie, and how many slots at exactly that distance make up the rest.
function cutOff(histogram: Uint32Array, want: number): { cutoff: number; ties: number } {
  let cutoff = 0;
  let below = 0;
  while (cutoff < DISTANCES && below + u32(histogram, cutoff) <= want) below += u32(histogram, cutoff++);
  return { cutoff, ties: want - below };
}
