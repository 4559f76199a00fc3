import { createHash } from 'node:crypto';

/**
 * Canonically composed, whitespace-collapsed text: what exact dedup compares. Case and compatibility forms are kept,
 * since `ABC123` and `abc123`, or `mc²` and `mc2`, can be different facts. (Invisible characters are kept too: the
 * stored hashes were computed with them. Words and near-duplicate checks leave them out; see INVISIBLE.)
 */
export function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/**
 * Characters that show nothing and change no word: a zero-width space, a soft hyphen, a word joiner, a byte order
 * mark. Pasted text carries them ("Glo\u200bbex"): words, the local embedder and near-duplicate checks leave them out,
 * so that a text with one is a near duplicate of the text without. (The stores' keyword indexes read stored text as
 * written: their entries must stay what they were, so that forget removes them exactly.) The joiners that shape
 * emoji and scripts (U+200C, U+200D) stay.
 */
export const INVISIBLE = /[\u00ad\u180e\u200b\u2060\ufeff]/g;

/**
 * The hash stored in `content_hash`: sha256 of the normalized text and of when it happened, hex. The same words at
 * another time are another memory (a recurring event), not a duplicate; so is a turn said by someone else or in
 * another session. A turn's hash begins with its session's prefix (episodeHashPrefix).
 */
export function contentHash(
  text: string,
  about: { occurredAt?: Date | null; speaker?: string | null; episodeId?: string | null; part?: string } = {},
): string {
  const hash = createHash('sha256').update(normalizeText(text));
  if (about.occurredAt) hash.update(`\u0000at ${about.occurredAt.toISOString()}`);
  if (about.speaker) hash.update(`\u0000by ${about.speaker}`);
  if (about.episodeId) hash.update(`\u0000in ${about.episodeId}`);
  if (about.part) hash.update(`\u0000part ${about.part}`);
  const hex = hash.digest('hex');
  return about.episodeId ? episodeHashPrefix(about.episodeId) + hex : hex;
}

/**
 * What the hashes of an episode's turns begin with: 8 hex digits of the sha256 of its id. The stores look hashes up in
 * a `(bank, hash)` index, where random hashes put each turn of a transcript on an index page of its own (on SQLite a
 * quarter of the pages a 20-turn call wrote); with the prefix, a call's turns share one or two.
 */
export function episodeHashPrefix(episodeId: string): string {
  // A call's turns share one episode: its prefix is hashed once, not once a turn.
  if (lastEpisode?.id !== episodeId)
    lastEpisode = { id: episodeId, prefix: createHash('sha256').update(episodeId).digest('hex').slice(0, 8) };
  return lastEpisode.prefix;
}

let lastEpisode: { id: string; prefix: string } | null = null;

/**
 * Whether a text whose vector lies near a stored memory's may be merged into it as a duplicate. Similar vectors are
 * not the same fact: a language model places "not allergic" beside "allergic" and "Thursday" beside "Friday" (cosine
 * 0.96 and 0.99 with a sentence encoder), the local embedder "UA 2337" beside "UA 2801" and "went up" beside "went
 * down". So the incoming text must say nothing the stored one does not: the same codes (every token with a digit,
 * with the sign before it and the joiners inside it, case kept: `ABC123` is not `abc123`, `-5` not `5`, `us-east-1`
 * not `US-EAST-1`) and the same symbols (`$` is not `€`, 👍 not 👎) in the same order, each of its words (stemmed,
 * stopwords aside) among the stored text's, no contrast the stored text does not make (CONTRASTS: where both use
 * words of a kind, "up" is not "down", "he" not "she", "was" not "is"), and no negation only one of the two has. It
 * may drop words or punctuation, add words that tell nothing apart ("Meeting at 3pm", "The meeting is at 3pm"), or
 * change their order or form.
 */
export function mayRepeat(incoming: string, stored: string): boolean {
  const [a, b] = [comparable(incoming), comparable(stored)];
  const codes = (text: string) => (text.match(CODE) ?? []).filter((token) => /\p{N}/u.test(token)).join(' ');
  const symbols = (text: string) => (text.match(SYMBOL) ?? []).join('');
  if (codes(a) !== codes(b) || symbols(a) !== symbols(b)) return false;
  const storedWords = tokens(b);
  const incomingWords = tokens(a);
  // Scripts written without spaces give letter pairs, not words: a pair left out may be a negation (不, ない) or a
  // name, so only the same pairs repeat a text, as only the same clause did before they were split.
  const unspaced = (list: string[]) => [...new Set(list.filter(hasUnspacedScript))].sort().join(' ');
  if (unspaced(incomingWords) !== unspaced(storedWords)) return false;
  const storedStems = new Set(storedWords.map(stem));
  for (const word of incomingWords)
    if (!STOPWORDS.has(word) && !CONTRASTS.has(word) && !storedStems.has(stem(word))) return false;
  const storedContrasts = contrasts(storedWords);
  for (const [kind, said] of contrasts(incomingWords)) {
    const their = storedContrasts.get(kind);
    if (their && [...said].some((value) => !their.has(value))) return false;
  }
  // Negations as written, not stemmed: "notes" stems to "not", and "nothing" to a word that negates nothing.
  const negations = (list: string[]) => [...new Set(list.filter(isNegation))].sort().join(' ');
  return negations(incomingWords) === negations(storedWords);
}

// NFKC, without invisible characters, every dash as a hyphen: "9–5" is "9-5".
function comparable(text: string): string {
  return text
    .replace(INVISIBLE, '')
    .normalize('NFKC')
    .replace(/[\u2010-\u2015\u2212]/g, '-');
}

// A token not inside a word, with a sign before it and joined parts (`-5`, `+100`, `us-east-1`, `3.5`, `10:30`).
const CODE = /(?<![\p{L}\p{N}])[-+]?[\p{L}\p{N}]+(?:[-+._:/][\p{L}\p{N}]+)*/gu;
// Currency, math and other symbols, emoji among them, and the per-cent and per-mille signs; not the modifier marks
// (a backtick around `pnpm` tells nothing apart).
const SYMBOL = /[\p{Sc}\p{Sm}\p{So}%\u2030\u2031]/gu;

/**
 * Words a keyword search skips that still tell facts apart, by kind: what each says of its kind. Where both texts use
 * words of a kind, the incoming text's must be among the stored text's; a kind only the incoming text uses adds
 * nothing that contradicts. "I'm" and "I've" are "I" and a present tense.
 */
const CONTRASTS = contrastTable([
  ['time', { present: 'is am are has have do does', past: 'was were had did', ...own('will would can could') }],
  ['person', { i: 'i me my', we: 'we us our ours', you: 'you your yours', he: 'he him his', she: 'she her hers' }],
  ['person', { they: 'they them their', it: 'it its' }],
  // "I'm", "I've", "you're", "they're", as words gives them.
  ['person', { i: 'im ive', you: 'youre', they: 'theyre' }],
  ['time', { present: 'im ive youre theyre' }],
  ['place', own('up down in into on out over under at by from to here there')],
  ['amount', own('all any some most more few both each only other same')],
  ['link', own('and or but')],
]);

// Each word a value of its own.
function own(words: string): Record<string, string> {
  return Object.fromEntries(words.split(' ').map((word) => [word, word]));
}

// Word to its contrasts, from kinds of values each named by its words; a word may make contrasts of several kinds.
function contrastTable(kinds: [string, Record<string, string>][]): Map<string, [kind: string, value: string][]> {
  const table = new Map<string, [string, string][]>();
  for (const [kind, values] of kinds)
    for (const [value, words] of Object.entries(values))
      for (const word of words.split(' ')) table.set(word, [...(table.get(word) ?? []), [kind, value]]);
  return table;
}

// The contrasts a text's words make, by kind.
function contrasts(list: string[]): Map<string, Set<string>> {
  const made = new Map<string, Set<string>>();
  for (const word of list)
    for (const [name, value] of CONTRASTS.get(word) ?? []) made.set(name, (made.get(name) ?? new Set()).add(value));
  return made;
}

// Words that carry no meaning for search; left out of keyword queries and of the local embedder's word features.
// Negations are not among them: "allergic" and "not allergic" are opposite facts.
const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her hers him his how i if in ' +
    'into is it its me my of on or our ours she so than that the their them then there these they this to ' +
    'too us was we were what when where which who whom why will with would you your yours about am any all just ' +
    'also some such very own same more most other only up down out over under again further once here both each few'
  ).split(' '),
);

/**
 * A word: a letter or digit of any script, then letters, digits and the marks written on them (a vowel sign or a
 * virama: "चाय" is one word, as the stores' keyword indexes read it), with an apostrophe's ending ("Ada's", "isn't").
 * Not a variation selector: the emoji keycap "1️⃣" is the digit 1.
 */
const WORD = /[\p{L}\p{N}](?:[\p{L}\p{N}]|(?![\ufe00-\ufe0f])[\p{Mn}\p{Mc}])*(?:['’][\p{L}\p{Mn}\p{Mc}]+)?/gu;

/**
 * A run of letters of the scripts written without spaces between words (Chinese, Japanese, Thai) or with particles
 * joined to the word (Korean: "음식을" is "음식" and its object particle), each letter with its marks (Thai vowel
 * signs and tone marks). Script extensions, so that the Japanese prolonged sound mark "ー" (script Common) stays in
 * its word.
 */
const UNSPACED_RUN =
  /(?:(?=[\p{L}\p{N}])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}\p{scx=Thai}](?:(?![\ufe00-\ufe0f])[\p{Mn}\p{Mc}])*)+/gu;
const HAS_UNSPACED = new RegExp(UNSPACED_RUN.source, 'u');
const UNSPACED_LETTER = /\P{M}\p{M}*/gu;

/**
 * A run of UNSPACED_RUN as words: its overlapping pairs of letters ("我喜欢喝咖啡" is "我喜 喜欢 欢喝 喝咖 咖啡"), so that
 * a word inside a clause meets the same word in a query, with no dictionary; a run of one letter is that letter.
 */
function letterPairs(run: string): string[] {
  const letters = run.match(UNSPACED_LETTER) ?? [];
  if (letters.length < 2) return letters;
  return letters.slice(1).map((letter, i) => `${letters[i]}${letter}`);
}

/**
 * A text with each run of UNSPACED_RUN as its letter pairs, a space around each, the rest as written: what SQLite's
 * keyword index is given, which otherwise splits text as core's words do (its unicode61 tokenizer reads a clause of
 * Chinese as one word). Text without such scripts comes back as it was, so its entries stay what they were.
 */
export function spacedLetterPairs(text: string): string {
  return text.replace(UNSPACED_RUN, (run) => ` ${letterPairs(run.normalize('NFKC')).join(' ')} `);
}

/** Whether a text holds a letter of UNSPACED_RUN, whose keyword entries spacedLetterPairs rewrites. */
export function hasUnspacedScript(text: string): boolean {
  return HAS_UNSPACED.test(text);
}

/**
 * Lower-cased words (letters, marks and digits, any script; letter pairs of UNSPACED_RUN), stopwords removed. `word`
 * (a global pattern) is what a word is; the local embedder keeps its own, which its stored vectors were built with,
 * and reads such runs whole, as they were.
 */
export function words(text: string, word: RegExp = WORD): string[] {
  return tokens(text, word).filter((t) => !STOPWORDS.has(t));
}

// Lower-cased word tokens, "Ada's" as "ada" and "isn't" as "isnt". A capital "İ" lower-cases to "i" and a combining
// dot above, which "izmir" and the stores' entries of "İzmir" do not have.
function tokens(text: string, word: RegExp = WORD): string[] {
  const found = text.replace(INVISIBLE, '').normalize('NFKC').toLowerCase().match(word) ?? [];
  // Most texts hold no such script: their words need no second pass.
  const pairs = word === WORD && hasUnspacedScript(text);
  return (pairs ? found.flatMap((t) => spacedLetterPairs(t).split(' ')) : found)
    .map((t) =>
      t
        .replace(/i\u0307/g, 'i')
        .replace(/['’]s$/, '')
        .replace(/['’]/g, ''),
    )
    .filter((t) => t.length > 0);
}

/**
 * A word as keyword matching compares it: accents of Latin letters folded (foldAccents), stemmed, then, since `stem`
 * leaves words of four letters whole, without a plural "s" or a final "e", so that "live" meets "lives", "cats" meets
 * "cat" and "cafe" meets "café". (`stem` itself stays as it is: the local embedder's vectors are built from it.)
 */
export function termKey(word: string): string {
  return stem(foldAccents(word))
    .replace(/([^su])s$/, '$1')
    .replace(/e$/, '');
}

/**
 * A word without the accent of its Latin letters, as SQLite's keyword index reads it (FTS5's unicode61 with its
 * default remove_diacritics 1): "café" is "cafe", "José" "jose"; a letter of two accents (Vietnamese "ệ") and other
 * scripts keep theirs. Postgres's index keeps accents (docs/backends.md).
 */
export function foldAccents(word: string): string {
  return word
    .normalize('NFD')
    .replace(/(?<=\p{Script=Latin})\p{Mn}(?!\p{Mn})/gu, '')
    .normalize('NFC');
}

/**
 * A text as its words, one space between, stopwords kept (an index drops its own): what a keyword index whose own
 * parser splits text otherwise is given (Postgres's keeps `v2.10.3`, `/etc/nginx/default.conf` or `JIRA-4521` whole), so that every
 * query term, one of these words, meets the same word in a memory.
 */
export function spacedWords(text: string): string {
  return tokens(text).join(' ');
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

// Words that turn a statement into its opposite, as `words` returns them (apostrophes dropped).
const NEGATIONS = new Set(
  (
    'no not never nor none cannot nothing without isnt arent wasnt werent dont doesnt didnt cant couldnt wont ' +
    'wouldnt shouldnt hasnt havent hadnt aint mustnt'
  ).split(' '),
);
// A long question (a pasted message, a user's paragraph) names what it is about anywhere in it, not only in its first
// words: with the first 32 terms, the third of RealMem's questions that have more lost the rest (docs/benchmarks.md).
const MAX_SEARCH_TERMS = 64;
// Kept in the text's features, but left out of keyword queries as before: they match half of everything.
const UNSEARCHED = new Set(['no', 'not']);

/** Whether a word (as `words` returns it) negates what it stands in: `not`, `never`, `isnt`. */
export function isNegation(word: string): boolean {
  return NEGATIONS.has(word);
}

/**
 * The distinct terms a keyword search looks for: words of the query, stopwords and negations removed, at most
 * MAX_SEARCH_TERMS. The stores keep the rarest of them (bm25 weighs a term by its rarity).
 */
export function searchTerms(query: string): string[] {
  return [...new Set(words(query).filter((w) => !UNSEARCHED.has(w)))].slice(0, MAX_SEARCH_TERMS);
}

/** A camelCase name in snake_case (`maxResults` to `max_results`), as span names and the HTTP API's fields are. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
