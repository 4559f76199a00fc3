import type { MemoryStore } from '@astrocyte/core';
import { normalizeVector } from '@astrocyte/core/backend';
// Not the testing entry: it brings the conformance suites and vitest into the process whose memory is measured.
import { memoryRecord } from '@astrocyte/core/testing/records';
import { Random } from '../lib/random.js';
import type { RawEngine } from './raw-engine.js';

// Exact scores of two memories equally near the query can differ in the last float bits.
const SCORE_TOLERANCE = 1e-6;

/**
 * Share of the true k nearest memories (the raw engine's full scan) that the store's vector search returns, over
 * all query vectors. Every memory as near as the exact k-th counts as a right answer, so that a tie at the boundary
 * broken the other way is not scored as a miss.
 */
export async function vectorRecallAtK(
  store: MemoryStore,
  raw: RawEngine,
  bankId: string,
  vectors: Float32Array[],
  k: number,
): Promise<number> {
  const filter = { now: new Date() };
  let found = 0;
  let wanted = 0;
  for (const vector of vectors) {
    // Twice k rows, so that the memories tied with the k-th are among them.
    const exact = await raw.exactVector(bankId, vector, 2 * k);
    const kth = exact[Math.min(k, exact.length) - 1]?.score ?? Number.NEGATIVE_INFINITY;
    const right = new Set(exact.filter((hit) => hit.score >= kth - SCORE_TOLERANCE).map((hit) => hit.id));
    const hits = await store.vectorSearch([bankId], vector, k, filter);
    found += hits.filter((hit) => right.has(hit.id)).length;
    wanted += Math.min(k, exact.length);
  }
  return wanted > 0 ? found / wanted : Number.NaN;
}

/**
 * Inserts one record per stored memory in `bases`, its embedding turned away from the stored one to a cosine just
 * above `threshold` (threshold + 0.0002 up to threshold + 0.02), straight into the store with that near-duplicate
 * threshold, and returns how many were refused as near duplicates. All should be: this is where an approximate check
 * misses first. Each record's text is the stored text with another ending, so that it says nothing the stored
 * text does not, as a near duplicate must (mayRepeat), under a hash of its own.
 */
export async function caughtNearDuplicates(
  store: MemoryStore,
  bankId: string,
  bases: { text: string; embedding: Float32Array }[],
  threshold: number,
): Promise<number> {
  const random = new Random(3);
  const now = new Date();
  const records = bases.map((base, i) => {
    const cosine = threshold + 0.0002 + (0.0198 * i) / bases.length;
    return memoryRecord(bankId, `${base.text} (!)`, {
      embedding: turned(base.embedding, cosine, random),
      createdAt: now,
    });
  });
  const outcomes = await store.insert(records, { nearDuplicateThreshold: threshold });
  return outcomes.filter((o) => o.status === 'duplicate' && o.match === 'near').length;
}

/** A unit vector at exactly `cosine` to the unit vector `base` (up to float rounding), in a random direction. */
function turned(base: Float32Array, cosine: number, random: Random): Float32Array {
  const noise = Float32Array.from(base, () => random.next() - 0.5);
  const along = noise.reduce((sum, x, j) => sum + x * (base[j] as number), 0);
  const orthogonal = normalizeVector(Float32Array.from(noise, (x, j) => x - along * (base[j] as number)));
  const sine = Math.sqrt(1 - cosine * cosine);
  return normalizeVector(Float32Array.from(base, (x, j) => cosine * x + sine * (orthogonal[j] as number)));
}
