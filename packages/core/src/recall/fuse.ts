import type { ScoredId } from '../memory-store.js';
import type { Memory } from '../types.js';

// The usual reciprocal-rank constant: large enough that one list's top hit cannot drown the other list.
const RRF_K = 60;

/** A candidate after fusion: its id, bank, a score in (0, 1], and its memory when a search returned it. */
export interface FusedCandidate {
  id: string;
  bankId: string;
  score: number;
  memory?: Memory;
}

/**
 * Reciprocal-rank fusion of ranked lists, normalized so that first place in every list scores 1.
 * Ties keep the order of the first list, which makes the result deterministic.
 */
export function fuseRankings(lists: ScoredId[][]): FusedCandidate[] {
  const fused = new Map<string, FusedCandidate>();
  const best = lists.length / (RRF_K + 1);
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const key = `${hit.bankId}\u0000${hit.id}`;
      const entry: FusedCandidate = fused.get(key) ?? { id: hit.id, bankId: hit.bankId, score: 0 };
      entry.score += 1 / (RRF_K + rank + 1) / best;
      if (hit.memory && !entry.memory) entry.memory = hit.memory;
      fused.set(key, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** A factor in (floor, 1] that halves the recency-dependent part of a score every `halfLifeDays`. */
export function recencyFactor(at: Date, now: Date, halfLifeDays: number, floor = 0.8): number {
  const ageDays = Math.max(0, now.getTime() - at.getTime()) / 86_400_000;
  return floor + (1 - floor) * 0.5 ** (ageDays / halfLifeDays);
}
