import type { PiiType } from '../../types.js';

/** One labelled text of the PII corpus: every value in `pii` must be found with its type, and nothing else. */
export interface CorpusEntry {
  text: string;
  pii: { type: PiiType; value: string }[];
}

/**
 * Joins pieces of a fake credential. Secrets in the corpus are assembled at run time so that the repository
 * never holds a string that secret scanners (and push protection) would take for a leaked key.
 */
export function fake(...parts: string[]): string {
  return parts.join('');
}
