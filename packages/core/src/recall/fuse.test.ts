import { describe, expect, it } from 'vitest';
import { fuseScores } from './fuse.js';

const hits = (...pairs: [string, number][]) => pairs.map(([id, score]) => ({ id, bankId: 'b', score }));

describe('fuseScores', () => {
  it('keeps a clear keyword order under a small vector weight, and ranks vector-only finds after', () => {
    const fused = fuseScores([
      { hits: hits(['a', 9], ['b', 5], ['c', 1]), weight: 0.8 },
      { hits: hits(['c', 0.9], ['d', 0.8], ['a', 0.1]), weight: 0.2 },
    ]);
    expect(fused.map((f) => f.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(fused[0]?.score).toBeLessThanOrEqual(1);
  });

  it('lets the vector list break what keyword search nearly ties on', () => {
    const fused = fuseScores([
      { hits: hits(['a', 5.0], ['b', 4.95]), weight: 0.8 },
      { hits: hits(['b', 0.9], ['a', 0.2]), weight: 0.2 },
    ]);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a']);
  });

  it('scores the best of what was found 1 when a list found nothing', () => {
    const fused = fuseScores([
      { hits: [], weight: 0.8 },
      { hits: hits(['x', 0.5], ['y', 0.25]), weight: 0.2 },
    ]);
    expect(fused.map((f) => [f.id, f.score])).toEqual([
      ['x', 1],
      ['y', 0.5],
    ]);
  });
});
