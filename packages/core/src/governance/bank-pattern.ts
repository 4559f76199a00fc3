/**
 * True when `bankId` matches `pattern`, where `*` matches any run of characters and `?` one character.
 * A two-pointer walk that backs up only to the last `*`: at most pattern × bank id steps, never a regex that can
 * backtrack exponentially (`*a*a*a*a*b` against a long id).
 */
export function matchesBankPattern(pattern: string, bankId: string): boolean {
  let p = 0;
  let b = 0;
  let star = -1;
  let resume = 0;
  while (b < bankId.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === bankId[b])) {
      p++;
      b++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = b;
    } else if (star >= 0) {
      // The last `*` absorbs one more character and the rest of the pattern is tried again from there.
      p = star + 1;
      b = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
