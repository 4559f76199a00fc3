/** A text folded for the detectors, and the span of the original text each of its UTF-16 units came from. */
export interface FoldedText {
  text: string;
  /** `start[i]` and `end[i]`: the original code point that folded unit `i` came from. */
  start: number[];
  end: number[];
}

// Characters that render as nothing (zero-width space and joiners, soft hyphen, word joiner, BOM, bidi controls,
// variation selectors): an email with one inside looks whole to a reader but not to a pattern.
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;
const SPACE = /\p{Zs}/gu;
// NFKC leaves en and em dashes, the minus sign and their kin alone; a number written with them is still a number.
const DASH = /[\p{Pd}\u2212\u2796\uFE63\uFF0D]/gu;
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Folds `original` so that the ASCII patterns of the detectors see what a reader sees: each code point in NFKC
 * (fullwidth digits become ASCII digits, non-breaking and other Unicode spaces become spaces), Unicode dashes
 * become `-`, and invisible characters are dropped. Null when the text is ASCII and folding would change nothing.
 * Linear in the length of the text.
 */
export function foldForDetection(original: string): FoldedText | null {
  if (!NON_ASCII.test(original)) return null;
  const folded: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const cache = new Map<string, string>();
  let at = 0;
  for (const ch of original) {
    const from = at;
    at += ch.length;
    let out = ch < '\u0080' ? ch : cache.get(ch);
    if (out === undefined) {
      out = INVISIBLE.test(ch) ? '' : ch.normalize('NFKC').replace(SPACE, ' ').replace(DASH, '-');
      cache.set(ch, out);
    }
    for (let i = 0; i < out.length; i++) {
      start.push(from);
      end.push(at);
    }
    folded.push(out);
  }
  return { text: folded.join(''), start, end };
}
