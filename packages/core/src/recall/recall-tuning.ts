import { DEFAULTS } from '../defaults.js';
import type { Embedder } from '../embedders/embedder.js';

/** How recall ranks: the weights of its searches, and the second search of pseudo-relevance feedback. */
export interface RecallTuning {
  /** How much vector similarity counts; keyword rank counts 1 - vectorWeight. */
  vectorWeight: number;
  /** Words taken from the best keyword hits for a second keyword search; 0 turns it off. */
  feedbackTerms: number;
  /** What the score of a hit whose words mostly repeat a better hit's is multiplied by; 1 turns it off. */
  repeatFactor: number;
  /** A hit said by a speaker the query names counts 1 + speakerBoost times its score; 0 turns it off. */
  speakerBoost: number;
}

// Embedders whose vectors are built from the words themselves, not from a model of meaning.
const LEXICAL_EMBEDDERS = /^local-/;

/** The default vector weight for an embedder. */
export function defaultVectorWeight(embedder: Embedder): number {
  return LEXICAL_EMBEDDERS.test(embedder.name)
    ? DEFAULTS.recall.lexicalVectorWeight
    : DEFAULTS.recall.modelVectorWeight;
}
