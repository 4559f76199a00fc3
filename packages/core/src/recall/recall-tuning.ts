import type { Embedder } from '../embedders/embedder.js';

/** How recall ranks: the weights of its searches, and the second search of pseudo-relevance feedback. */
export interface RecallTuning {
  /** How much vector similarity counts; keyword rank counts 1 - vectorWeight. */
  vectorWeight: number;
  /** Words taken from the best keyword hits for a second keyword search; 0 turns it off. */
  feedbackTerms: number;
}

/**
 * Measured on the dev sets (docs/benchmarks.md). The local embedder is lexical: it finds what keyword search finds,
 * less precisely, so it weighs little; a real embedding model earns more (0.4 is a default, not measured here).
 * Feedback helped on RealMem and hurt on the synthetic set, so it is off unless configured.
 */
export const DEFAULT_RECALL = {
  lexicalVectorWeight: 0.2,
  modelVectorWeight: 0.4,
  feedbackTerms: 0,
} as const;

// Embedders whose vectors are built from the words themselves, not from a model of meaning.
const LEXICAL_EMBEDDERS = /^local-/;

/** The default vector weight for an embedder. */
export function defaultVectorWeight(embedder: Embedder): number {
  return LEXICAL_EMBEDDERS.test(embedder.name) ? DEFAULT_RECALL.lexicalVectorWeight : DEFAULT_RECALL.modelVectorWeight;
}
