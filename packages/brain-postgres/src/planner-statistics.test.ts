import { describe, expect, it } from 'vitest';
import { BankSizeCache } from './planner-statistics.js';

describe('bank size cache', () => {
  it('answers for the same set of banks in any order until the entry expires', () => {
    let now = 1_000;
    const cache = new BankSizeCache(500, () => now);
    cache.set(['b', 'a'], true);
    expect(cache.get(['a', 'b'])).toBe(true);
    expect(cache.get(['a', 'b', 'a'])).toBe(true);
    expect(cache.get(['a'])).toBeUndefined();
    now += 499;
    expect(cache.get(['b', 'a'])).toBe(true);
    now += 1;
    expect(cache.get(['b', 'a'])).toBeUndefined();
  });

  it('forgets small banks after inserts (they may have grown) and every bank after erasure', () => {
    const cache = new BankSizeCache(60_000);
    cache.set(['small'], false);
    cache.set(['large'], true);
    cache.invalidate('grown');
    expect(cache.get(['small'])).toBeUndefined();
    expect(cache.get(['large'])).toBe(true);
    cache.invalidate('shrunk');
    expect(cache.get(['large'])).toBeUndefined();
  });

  it('does not mistake two bank lists that join to the same text for one another', () => {
    const cache = new BankSizeCache(60_000);
    cache.set(['a', 'b'], true);
    expect(cache.get(['a\u0000b'])).toBeUndefined();
  });
});
