import { words } from '../text.js';

/**
 * The share of words two memories have in common (of all the words either has, stopwords aside) at or above which
 * the lower one repeats the higher. Measured on the dev sets (docs/benchmarks.md): 0.4 to 0.55 did as well.
 */
export const REPEAT_OVERLAP = 0.5;

/** A ranked hit as demotion sees it: its score and its memory's text. */
export interface RankedText {
  score: number;
  memory: { text: string };
}

/**
 * Multiplies by `factor` the score of each hit whose words mostly repeat a better hit's, and sorts again: chit-chat
 * said in every session or a fact retained twice in other words would otherwise fill the results, leaving no room
 * for what the query also matched. A repeat is compared with the hits kept at full score only, best first; the walk
 * stops once `keep` hits are kept, since nothing ranked below them can rise into the first `keep`. A factor of 1
 * changes nothing.
 */
export function demoteRepeats<T extends RankedText>(ranked: T[], keep: number, factor: number): T[] {
  if (factor >= 1) return ranked;
  const kept: Set<string>[] = [];
  const result: T[] = [];
  for (const [index, hit] of ranked.entries()) {
    if (kept.length >= keep) {
      result.push(...ranked.slice(index));
      break;
    }
    const own = new Set(words(hit.memory.text));
    if (kept.some((better) => overlap(own, better) >= REPEAT_OVERLAP)) {
      result.push({ ...hit, score: hit.score * factor });
    } else {
      kept.push(own);
      result.push(hit);
    }
  }
  // A stable sort: hits of equal score keep their rank.
  return result.sort((a, b) => b.score - a.score);
}

// Jaccard similarity of two word sets; texts without words repeat nothing.
function overlap(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const word of small) if (large.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}
