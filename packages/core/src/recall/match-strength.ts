import { termKey, words } from '../text.js';
import { dateWords, speakerLine } from './keyword-fields.js';

/** What the strength of a match reads of a memory: the fields its own keyword entry holds. */
export interface MatchedMemory {
  text: string;
  speaker?: string;
  occurredAt?: Date;
  createdAt: Date;
}

/**
 * How well one memory matches a query on its own, in [0, 1]: the larger of its cosine similarity to the query (when
 * the vector search returned it) and the share of the query's search terms found (as termKey compares words: stemmed,
 * accents folded) in its text, speaker and date in words. Unlike the fused scores, which are relative to the best hit
 * of each search, it does not depend on what else the bank holds: the nearest memory scores what it shares with the
 * query, near 0 if nothing.
 */
export function matchStrength(terms: string[], memory: MatchedMemory, similarity: number | undefined): number {
  const wanted = new Set(terms.map(termKey));
  let covered = 0;
  if (wanted.size > 0) {
    const own = `${speakerLine(memory.speaker ?? null, memory.text)} ${dateWords(memory.occurredAt ?? memory.createdAt)}`;
    const found = new Set(words(own).map(termKey));
    for (const term of wanted) if (found.has(term)) covered++;
  }
  const coverage = wanted.size > 0 ? covered / wanted.size : 0;
  return Math.min(1, Math.max(coverage, similarity ?? 0, 0));
}

/**
 * Scales ranked scores so that the first is `strength` and the others keep their ratio to it: the order stays that of
 * the ranking, and a score says how well a hit matches, comparable across queries and usable as `minScore`.
 */
export function scaleToStrength<T extends { score: number }>(ranked: T[], strength: number): T[] {
  const best = ranked[0]?.score ?? 0;
  const factor = best > 0 ? strength / best : 0;
  return ranked.map((hit) => ({ ...hit, score: hit.score * factor }));
}
