import type { SlotTable } from './slot-table.js';
import { f32, f64, i8, i32 } from './typed-access.js';

/**
 * A query ready for estimates and exact scores: its unit vector's non-zero coordinates (sparse embeddings, the local
 * one, estimate in a fraction of d) and its L1 norm. No dense copy: a typed array of d doubles costs more to allocate
 * (outside V8's heap) than the whole check of a retain's candidates.
 */
export interface UnitQuery {
  nonZero: Int32Array;
  nonZeroValues: Float64Array;
  /** Bounds the int8 code's error: |estimate - cosine| <= scale / 2 * l1. */
  l1: number;
}

/** What the estimate and the exact score need of `vector`; null for a zero or non-finite vector. */
export function unitQuery(vector: Float32Array): UnitQuery | null {
  let norm = 0;
  let count = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = f32(vector, i);
    norm += x * x;
    if (x !== 0) count++;
  }
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  norm = Math.sqrt(norm);
  const nonZero = new Int32Array(count);
  const nonZeroValues = new Float64Array(count);
  let l1 = 0;
  let j = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = f32(vector, i) / norm;
    if (x === 0) continue;
    l1 += Math.abs(x);
    nonZero[j] = i;
    nonZeroValues[j++] = x;
  }
  return { nonZero, nonZeroValues, l1 };
}

/** Exact cosine similarity of the query and a stored vector; 0 for a zero vector. */
export function cosineToQuery(query: UnitQuery, vector: Float32Array): number {
  const { nonZero, nonZeroValues } = query;
  let dot = 0;
  for (let j = 0; j < nonZero.length; j++) dot += f64(nonZeroValues, j) * f32(vector, i32(nonZero, j));
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += f32(vector, i) * f32(vector, i);
  return norm > 0 ? dot / Math.sqrt(norm) : 0;
}

/** The int8 estimate of cosine(query, slot); `estimateError` bounds how far it can be from the exact cosine. */
export function estimate(slots: SlotTable, query: UnitQuery, slot: number): number {
  const codes = slots.codes.chunk(slot);
  const base = slots.codes.offset(slot);
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
