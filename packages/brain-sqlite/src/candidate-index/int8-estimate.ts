import type { SlotTable } from './slot-table.js';
import { f64, i8, i32 } from './typed-access.js';

/** A query ready for estimates: its unit vector, its non-zero coordinates, and its L1 norm. */
export interface UnitQuery {
  unit: Float64Array;
  /** Indices and values of the non-zero coordinates: sparse embeddings (the local one) estimate in a fraction of d. */
  nonZero: Int32Array;
  nonZeroValues: Float64Array;
  /** Bounds the int8 code's error: |estimate - cosine| <= scale / 2 * l1. */
  l1: number;
}

/** The unit vector of `vector` and what the int8 estimate needs of it; null for a zero or non-finite vector. */
export function unitQuery(vector: Float32Array): UnitQuery | null {
  let norm = 0;
  let count = 0;
  for (const x of vector) {
    norm += x * x;
    if (x !== 0) count++;
  }
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  norm = Math.sqrt(norm);
  const unit = new Float64Array(vector.length);
  const nonZero = new Int32Array(count);
  const nonZeroValues = new Float64Array(count);
  let l1 = 0;
  let j = 0;
  for (const [i, value] of vector.entries()) {
    const x = value / norm;
    unit[i] = x;
    l1 += Math.abs(x);
    if (x !== 0) {
      nonZero[j] = i;
      nonZeroValues[j++] = x;
    }
  }
  return { unit, nonZero, nonZeroValues, l1 };
}

/** The int8 estimate of cosine(query, slot); `estimateError` bounds how far it can be from the exact cosine. */
export function estimate(slots: SlotTable, query: UnitQuery, slot: number): number {
  const codes = slots.codes;
  const base = slot * slots.dimensions;
  const { nonZero, nonZeroValues } = query;
  let dot = 0;
  // Zero coordinates of the query add nothing: a sparse query reads only its own non-zero coordinates.
  for (let j = 0; j < nonZero.length; j++) dot += f64(nonZeroValues, j) * i8(codes, base + i32(nonZero, j));
  return dot * slots.scale(slot);
}

/** The worst-case error of `estimate` for this slot: each code is off by at most scale/2 after rounding. */
export function estimateError(slots: SlotTable, query: UnitQuery, slot: number): number {
  return (slots.scale(slot) / 2) * query.l1 + 1e-9;
}
