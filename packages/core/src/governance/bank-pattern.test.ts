import { describe, expect, it } from 'vitest';
import { matchesBankPattern } from './bank-pattern.js';

describe('matchesBankPattern', () => {
  it('matches `*` to any run (empty included) and `?` to one character, over the whole id', () => {
    const cases: [string, string, boolean][] = [
      ['team-*', 'team-a', true],
      ['team-*', 'team-', true],
      ['team-*', 'xteam-a', false],
      ['*-eu', 'hr-eu', true],
      ['*-eu', 'hr-eu-2', false],
      ['a?c', 'abc', true],
      ['a?c', 'ac', false],
      ['*', '', true],
      ['', '', true],
      ['', 'a', false],
      ['a*b*c', 'a-b-x-b-c', true],
      ['a*b*c', 'a-b-x-b-d', false],
      ['**a', 'bba', true],
      ['user:*@*', 'user:x@y', true],
      ['a.b', 'axb', false],
      ['*a*a*a*a*a*a*a*a*b', `${'a'.repeat(254)}b`, true],
      ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(255), false],
    ];
    for (const [pattern, id, expected] of cases)
      expect(matchesBankPattern(pattern, id), `${pattern} ${id}`).toBe(expected);
  });
});
