import { words } from '../text.js';

/**
 * Pseudo-relevance feedback: the words that the best keyword hits share and the query lacks, most shared first.
 * A word must stand in at least two of the texts, so one long hit cannot steer the second search alone.
 */
export function feedbackTerms(queryTerms: string[], texts: string[], count: number): string[] {
  const asked = new Set(queryTerms);
  const shared = new Map<string, number>();
  for (const text of texts) {
    for (const word of new Set(words(text))) {
      if (asked.has(word) || word.length < 3 || /^\d+$/.test(word)) continue;
      shared.set(word, (shared.get(word) ?? 0) + 1);
    }
  }
  return [...shared]
    .filter(([, n]) => n >= 2)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([word]) => word);
}
