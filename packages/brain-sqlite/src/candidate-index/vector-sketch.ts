import { f32, f64, u8, u32 } from './typed-access.js';

/**
 * Compact sketches of embeddings for the in-process candidate index: a 512-bit sign signature of a randomized
 * Hadamard rotation (SimHash with structured random hyperplanes: two vectors disagree on a bit with probability
 * close to angle/pi) and an int8 quantization of the unit vector with a per-row scale. Both are deterministic: the
 * random signs come from a fixed seed, so every process and release computes the same sketch for the same vector.
 */

/** Bits in a signature, and the 32-bit words that hold them. */
export const SIGNATURE_BITS = 512;
export const SIGNATURE_WORDS = SIGNATURE_BITS / 32;
/** The name stored with the sketches; a different scheme means they must be recomputed. */
export const SKETCH_SCHEME = 'srht3-512-int8-v1';

/** The sketch of one vector. */
export interface VectorSketch {
  signature: Uint32Array;
  /** The unit vector quantized to int8, one byte per dimension. */
  code: Int8Array;
  /** What a code unit is worth: the unit vector's coordinate i is code[i] * scale, within scale / 2. */
  scale: number;
  /** Per LSH band, the PROBE_FLIPS bit positions least certain for this vector: a near-duplicate query's probes. */
  uncertain?: Uint8Array;
}

const ROUNDS = 3;
// Reused between calls: sketching is synchronous, and a fresh buffer per record is garbage at 5,000 records a second.
let scratch = new Float64Array(0);
const rotations = new Map<number, Float64Array[]>();

// xorshift32 from a fixed seed: the signs must never change, or stored signatures stop matching new ones.
function signTables(size: number): Float64Array[] {
  let tables = rotations.get(size);
  if (tables) return tables;
  let state = 0x2545f491;
  tables = Array.from({ length: ROUNDS }, () => {
    const signs = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      signs[i] = state & 1 ? 1 : -1;
    }
    return signs;
  });
  rotations.set(size, tables);
  return tables;
}

function transformSize(dimensions: number): number {
  let size = SIGNATURE_BITS;
  while (size < dimensions) size *= 2;
  return size;
}

// In-place fast Walsh-Hadamard transform after multiplying by `signs` (unnormalized; the signs of the result are all
// a signature needs). The butterfly levels run two at a time as radix-4 passes, the first together with the sign
// flips: each pass reads and writes the array once, and the short inner loops of the first levels cost more than
// their arithmetic. A pass does the same additions in the same order as two radix-2 levels, so the result is
// bit-for-bit the same (stored signatures must not change). With an odd number of levels the last runs alone.
function signedHadamard(values: Float64Array, signs: Float64Array): void {
  const n = values.length;
  for (let i = 0; i < n; i += 4) {
    const a = f64(values, i) * f64(signs, i);
    const b = f64(values, i + 1) * f64(signs, i + 1);
    const c = f64(values, i + 2) * f64(signs, i + 2);
    const d = f64(values, i + 3) * f64(signs, i + 3);
    const ab = a + b;
    const amb = a - b;
    const cd = c + d;
    const cmd = c - d;
    values[i] = ab + cd;
    values[i + 1] = amb + cmd;
    values[i + 2] = ab - cd;
    values[i + 3] = amb - cmd;
  }
  let half = 4;
  for (; half * 4 <= n; half *= 4) {
    const h2 = half * 2;
    const h3 = half * 3;
    for (let start = 0; start < n; start += half * 4) {
      for (let i = start, end = start + half; i < end; i++) {
        const a = f64(values, i);
        const b = f64(values, i + half);
        const c = f64(values, i + h2);
        const d = f64(values, i + h3);
        const ab = a + b;
        const amb = a - b;
        const cd = c + d;
        const cmd = c - d;
        values[i] = ab + cd;
        values[i + half] = amb + cmd;
        values[i + h2] = ab - cd;
        values[i + h3] = amb - cmd;
      }
    }
  }
  if (half < n) {
    for (let i = 0; i < half; i++) {
      const a = f64(values, i);
      const b = f64(values, i + half);
      values[i] = a + b;
      values[i + half] = a - b;
    }
  }
}

/**
 * The signature and int8 code of a vector, and with `probes` the bits a near-duplicate check probes flipped: only a
 * record about to be checked needs them (over a quarter of the sketch's time, otherwise spent on every row written).
 */
export function sketchVector(vector: Float32Array, probes = false): VectorSketch {
  const size = transformSize(vector.length);
  if (scratch.length !== size) scratch = new Float64Array(size);
  const work = scratch;
  work.fill(0);
  let norm = 0;
  let peak = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = f32(vector, i);
    work[i] = x;
    norm += x * x;
    if (Math.abs(x) > peak) peak = Math.abs(x);
  }
  // Three rounds of random signs then Hadamard make the rows behave like independent random hyperplanes, even for
  // sparse inputs such as the local embedder's hashed features.
  for (const signs of signTables(size)) signedHadamard(work, signs);
  const signature = new Uint32Array(SIGNATURE_WORDS);
  for (let i = 0; i < SIGNATURE_BITS; i++)
    if (f64(work, i) > 0) signature[i >>> 5] = u32(signature, i >>> 5) | (1 << (i & 31));
  const probed = probes ? { uncertain: leastCertainBits(work) } : {};

  const code = new Int8Array(vector.length);
  norm = Math.sqrt(norm);
  if (norm === 0 || peak === 0) return { signature, code, scale: 0, ...probed };
  const unitPeak = peak / norm;
  const toCode = 127 / peak;
  for (let i = 0; i < vector.length; i++) code[i] = Math.round(f32(vector, i) * toCode);
  return { signature, code, scale: unitPeak / 127, ...probed };
}

/** Bits probed flipped per LSH band: the ones whose projection was closest to zero (leastCertainBits keeps three). */
export const PROBE_FLIPS = 3;
const BAND_WIDTH = 16;

// For each 16-bit band, the positions of its PROBE_FLIPS projections nearest zero: the bits a near neighbour most
// likely disagrees on, so probing those flips finds it far more often than probing flips at random.
function leastCertainBits(work: Float64Array): Uint8Array {
  const bands = SIGNATURE_BITS / BAND_WIDTH;
  const out = new Uint8Array(bands * PROBE_FLIPS);
  for (let band = 0; band < bands; band++) {
    const base = band * PROBE_FLIPS;
    // The PROBE_FLIPS smallest so far, in locals: a typed array refilled per band took a quarter of a sketch's time.
    let m0 = Number.POSITIVE_INFINITY;
    let m1 = m0;
    let m2 = m0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    for (let bit = 0; bit < BAND_WIDTH; bit++) {
      const magnitude = Math.abs(f64(work, band * BAND_WIDTH + bit));
      // Strictly smaller only: of equal magnitudes the lower bit ranks first.
      if (!(magnitude < m2)) continue;
      if (!(magnitude < m1)) {
        m2 = magnitude;
        b2 = bit;
      } else {
        m2 = m1;
        b2 = b1;
        if (!(magnitude < m0)) {
          m1 = magnitude;
          b1 = bit;
        } else {
          m1 = m0;
          b1 = b0;
          m0 = magnitude;
          b0 = bit;
        }
      }
    }
    out[base] = b0;
    out[base + 1] = b1;
    out[base + 2] = b2;
  }
  return out;
}

/** Bits set in each 16-bit value: popcount by two table lookups per 32-bit word. */
export const POPCOUNT_16 = (() => {
  const table = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) table[i] = (i & 1) + u8(table, i >>> 1);
  return table;
})();

/** Bits set in a 32-bit word (signed or not), by two lookups in POPCOUNT_16. */
export function popcount32(word: number): number {
  return u8(POPCOUNT_16, word & 0xffff) + u8(POPCOUNT_16, word >>> 16);
}

/**
 * The Hamming distance above which a pair is taken not to reach cosine `threshold`: the expected number of
 * disagreeing bits at that angle plus seven standard deviations, so a pair at the threshold lands above it with
 * probability far below one in a billion.
 */
export function hammingBound(threshold: number): number {
  const angle = Math.acos(Math.min(1, Math.max(-1, threshold)));
  const p = angle / Math.PI;
  return Math.min(SIGNATURE_BITS, Math.ceil(SIGNATURE_BITS * p + 7 * Math.sqrt(SIGNATURE_BITS * p * (1 - p)) + 1));
}
