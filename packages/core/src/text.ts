import { createHash } from 'node:crypto';

/** Unicode-normalized, case-folded, whitespace-collapsed text: what exact dedup compares. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The hash stored in `content_hash`: sha256 of the normalized text, hex. */
export function contentHash(text: string): string {
  return createHash('sha256').update(normalizeText(text)).digest('hex');
}

// Words that carry no meaning for search; left out of keyword queries and of the local embedder's word features.
const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her hers him his how i if in ' +
    'into is it its me my no not of on or our ours she so than that the their them then there these they this to ' +
    'too us was we were what when where which who whom why will with would you your yours about am any all just ' +
    'also some such very own same more most other only up down out over under again further once here both each few'
  ).split(' '),
);

/** Lower-cased word tokens (letters and digits, any script), stopwords removed. */
export function words(text: string): string[] {
  const tokens =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
  return tokens
    .map((t) => t.replace(/['’]s$/, '').replace(/['’]/g, ''))
    .filter((t) => t.length > 0 && !STOPWORDS.has(t));
}

/** A light English stem: strips common inflections so that "preferences" and "preferred" meet "prefer". */
export function stem(word: string): string {
  if (word.length <= 4 || /\d/.test(word)) return word;
  const rules: [RegExp, string][] = [
    [/ies$/, 'y'],
    [/(ss|us)$/, '$1'],
    // "er" only after a long stem, so that "prefer" and "order" stay whole while "teachers" becomes "teach".
    [
      /^(?:(.{5,}?)(?:ers|er)|(.{3,}?)(?:ements|ement|ences|ence|ances|ance|ations|ation|ions|ion|ness|ments|ment|ings|ing|ed|es|ly|s))$/,
      '$1$2',
    ],
  ];
  for (const [pattern, replacement] of rules) {
    if (pattern.test(word))
      return word
        .replace(pattern, replacement)
        .replace(/(.)\1$/, '$1')
        .replace(/e$/, '');
  }
  return word.replace(/e$/, '');
}

/** The distinct terms a keyword search looks for: words of the query, stopwords removed, at most 32. */
export function searchTerms(query: string): string[] {
  return [...new Set(words(query))].slice(0, 32);
}
