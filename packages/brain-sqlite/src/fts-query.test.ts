import { describe, expect, it } from 'vitest';
import { ftsMatchExpression } from './fts-query.js';

describe('ftsMatchExpression', () => {
  it('quotes every term, doubles inner quotes and ORs them', () => {
    expect(ftsMatchExpression(['budget', 'say"hi', 'NEAR(x'])).toBe('"budget" OR "say""hi" OR "NEAR(x"');
  });

  it('drops terms with nothing to index and duplicates; null when none remain', () => {
    expect(ftsMatchExpression(['*', '"', '()', 'tea', 'tea'])).toBe('"tea"');
    expect(ftsMatchExpression(['^', ':', ''])).toBeNull();
    expect(ftsMatchExpression([])).toBeNull();
  });
});
