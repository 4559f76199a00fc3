import { describe, expect, it } from 'vitest';
import { rankedTerms } from './ranked-terms.js';

const terms = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
const estimates = (matches: number[]) => ({ stored: 10_000, searched: 10_000, matches, unlisted: 5 });

describe('rankedTerms', () => {
  it('keeps every term of a question of up to 32', () => {
    const given = estimates(terms(32).map((_, i) => 1000 - i));
    expect(rankedTerms(terms(32), given)).toEqual({ terms: terms(32), estimates: given });
  });

  it('keeps the 32 rarest of a longer question, in its order, with their estimates', () => {
    // t0 to t9 are common (listed by the statistics), the 30 after them rare, some rarer than others.
    const matches = [...Array.from({ length: 10 }, (_, i) => 900 + i), ...Array.from({ length: 30 }, (_, i) => 5 + i)];
    const { terms: kept, estimates: keptEstimates } = rankedTerms(terms(40), estimates(matches));
    expect(kept).toEqual(['t0', 't1', ...terms(40).slice(10)]);
    expect(keptEstimates.matches).toEqual([900, 901, ...matches.slice(10)]);
  });

  it('keeps every term as rare as the 32nd, wherever it stands: the planner estimates unlisted terms alike', () => {
    const matches = [...Array.from({ length: 5 }, () => 800), ...Array.from({ length: 45 }, () => 5)];
    const { terms: kept } = rankedTerms(terms(50), estimates(matches));
    expect(kept).toEqual(terms(50).slice(5));
  });
});
