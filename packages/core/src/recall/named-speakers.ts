import { foldAccents, words } from '../text.js';

/**
 * Which speakers a query names: a speaker is named when any word of its name is among the query's words, so "What
 * did Caroline research?" names "Caroline", "Caroline's" does too, and "what does the user prefer?" names "user".
 * Accents are folded as the keyword search folds them on SQLite: "Jose" names "José". A name made only of stopwords
 * ("I") is never named. Each speaker's name is read once per query.
 */
export function speakersNamedIn(query: string): (speaker: string) => boolean {
  const folded = (text: string) => words(text).map(foldAccents);
  const inQuery = new Set(folded(query));
  const named = new Map<string, boolean>();
  return (speaker) => {
    let found = named.get(speaker);
    if (found === undefined) {
      found = folded(speaker).some((word) => inQuery.has(word));
      named.set(speaker, found);
    }
    return found;
  };
}
