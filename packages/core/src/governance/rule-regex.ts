import { RE2JS } from 're2js';

/** A rule's regular expression, compiled for a linear-time engine. */
export type RuleRegex = RE2JS;

// The two features that need backtracking, found before RE2 sees the pattern so that the error says what to change
// (RE2's own message for `(?<=` is "invalid named capture"; a JS-to-RE2 translation would turn `\k<n>` into text).
const UNSUPPORTED: [RegExp, string][] = [
  [/^\(\?<?[=!]/, 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported'],
  [/^\\(?:[1-9]|k<)/, 'backreferences (\\1, \\k<name>) are not supported'],
];

/**
 * Compiles a pattern from a rule: JavaScript syntax, case-insensitive, run by RE2 (re2js), whose matching time is
 * linear in the input whatever the pattern, so a rule such as `^(a+)+$` cannot stall the process. Throws an Error
 * whose message says what is wrong; the rules loader adds the rule and field.
 */
export function compileRuleRegex(source: string): RuleRegex {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (!inClass) {
      for (const [pattern, message] of UNSUPPORTED) {
        if (pattern.test(source.slice(i, i + 4))) throw new Error(`${message}: rules run in linear time (RE2)`);
      }
    }
    if (ch === '\\') i++;
    else if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
  }
  try {
    return RE2JS.compile(RE2JS.translateRegExp(source), RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    throw new Error(`invalid regular expression: ${(error as Error).message.replace(/^error parsing regexp: /, '')}`);
  }
}
