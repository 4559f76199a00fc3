import type { ScoredId } from '../memory-store.js';
import type { Memory } from '../types.js';

/** A candidate after fusion: its id, bank, a score in [0, 1], and its memory when a search returned it. */
export interface FusedCandidate {
  id: string;
  bankId: string;
  score: number;
  memory?: Memory;
}

/** One ranked list and how much it counts. */
export interface WeightedList {
  hits: ScoredId[];
  weight: number;
}

/**
 * Weighted fusion of normalized scores: each list's scores are divided by its best, so the best of every list scores
 * 1, and a candidate's score is the weighted sum over the lists it is in, divided by the sum of the weights. Unlike
 * reciprocal-rank fusion it keeps how far apart the scores are, and a list with a small weight can only reorder
 * what the others nearly tie on: a lexical embedder never drags a keyword ranking down. Ties keep the order of the
 * first list, which makes the result deterministic.
 */
export function fuseScores(lists: WeightedList[]): FusedCandidate[] {
  const fused = new Map<string, FusedCandidate>();
  // Lists that found nothing do not count, so the best candidate of what was found can still score 1.
  const total = lists.reduce((sum, list) => sum + (list.hits.length > 0 ? Math.max(0, list.weight) : 0), 0);
  for (const { hits, weight } of lists) {
    if (!(weight > 0) || hits.length === 0) continue;
    const best = Math.max(...hits.map((hit) => hit.score));
    for (const hit of hits) {
      const key = `${hit.bankId}\u0000${hit.id}`;
      const entry: FusedCandidate = fused.get(key) ?? { id: hit.id, bankId: hit.bankId, score: 0 };
      entry.score += best > 0 && hit.score > 0 ? (weight * hit.score) / best / total : 0;
      if (hit.memory && !entry.memory) entry.memory = hit.memory;
      fused.set(key, entry);
    }
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** The least share of its score that recency leaves a memory. */
const RECENCY_FLOOR = 0.8;

/** A factor in (RECENCY_FLOOR, 1] that halves the recency-dependent part of a score every `halfLifeDays`. */
export function recencyFactor(at: Date, now: Date, halfLifeDays: number): number {
  const ageDays = Math.max(0, now.getTime() - at.getTime()) / 86_400_000;
  return RECENCY_FLOOR + (1 - RECENCY_FLOOR) * 0.5 ** (ageDays / halfLifeDays);
}
