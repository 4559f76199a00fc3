import type { MatchEstimates } from './keyword-match-estimates.js';

// Terms ranked per search: of a longer question, the rarest, and any expected as rare as the last of them. Each ranked
// term costs a ts_rank of every candidate, and bm25 weighs the common ones least; SQLite's planner does the same.
const RANKED_TERMS = 32;

/**
 * The RANKED_TERMS terms expected to match the fewest memories and every term expected to match no more than the last
 * of them, in the question's order, with their estimates. The planner estimates every term its statistics do not list
 * alike, so a question's rare words are all kept, wherever they stand in it.
 */
export function rankedTerms(
  terms: string[],
  estimates: MatchEstimates,
): { terms: string[]; estimates: MatchEstimates } {
  if (terms.length <= RANKED_TERMS) return { terms, estimates };
  const expected = (i: number) => estimates.matches[i] as number;
  const bound = [...estimates.matches].sort((a, b) => a - b)[RANKED_TERMS - 1] as number;
  const kept = terms.map((_, i) => i).filter((i) => expected(i) <= bound);
  return {
    terms: kept.map((i) => terms[i] as string),
    estimates: { ...estimates, matches: kept.map(expected) },
  };
}
