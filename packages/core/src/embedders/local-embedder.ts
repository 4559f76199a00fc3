import { DEFAULTS } from '../defaults.js';
import { isNegation, stem, words } from '../text.js';
import { TimeSlicer } from '../time-slicer.js';
import { type Embedder, normalizeVector } from './embedder.js';

// FNV-1a: fast, stable across platforms and releases, which a stored vector space depends on.
function fnv1a(text: string, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The default embedder: deterministic, offline, no model weights. It hashes word, stem, word-pair and character
 * trigram features into a fixed number of dimensions. It is lexical: it finds "preferences" for "prefer" and
 * tolerates typos, but it does not know that "car" and "automobile" mean the same thing. Use an `openai`-compatible
 * embedder for semantic search.
 */
export class LocalEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;

  constructor(options: { dimensions?: number } = {}) {
    this.dimensions = options.dimensions ?? DEFAULTS.embedding.localDimensions;
    if (!Number.isInteger(this.dimensions) || this.dimensions < 32 || this.dimensions > 4096) {
      throw new RangeError(`local embedder dimensions must be an integer from 32 to 4096, got ${this.dimensions}`);
    }
    this.name = 'local-hash-v1';
  }

  /** Embeds each text on the calling thread, giving the event loop a turn during a large batch. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    const slicer = new TimeSlicer();
    const vectors: Float32Array[] = [];
    for (const text of texts) {
      vectors.push(this.embedOne(text));
      await slicer.tick();
    }
    return vectors;
  }

  /** The vector of one text. */
  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const add = (feature: string, weight: number) => {
      const hash = fnv1a(feature, 0);
      // The sign bit spreads collisions around zero instead of piling them up.
      vector[hash % this.dimensions] =
        (vector[hash % this.dimensions] as number) + (hash & 0x80000000 ? -weight : weight);
    };
    const tokens = words(text);
    let previous: string | undefined;
    for (const word of tokens) {
      const stemmed = stem(word);
      // Negations and numbers are few in a text but decide what it means: they weigh enough that "not allergic"
      // or "4 cats" never passes for a near-duplicate of "allergic" or "3 cats".
      const weight = isNegation(word) || /\d/.test(word) ? 2 : 1;
      add(`w:${word}`, weight);
      add(`s:${stemmed}`, weight);
      if (previous) add(`b:${previous} ${stemmed}`, 0.5);
      previous = stemmed;
      const padded = `<${stemmed}>`;
      const trigramWeight = 1 / Math.max(1, padded.length - 2);
      for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, trigramWeight);
    }
    // Identifiers keep their exact form (ABC123 is not abc123, mc² is not mc2, iOS is not IOS), which the word
    // features fold away; plain words in capitals (WIFI) are the same word.
    for (const token of text.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? []) {
      if (/\p{N}|\p{Ll}\p{Lu}/u.test(token) || token.normalize('NFKC') !== token) add(`r:${token}`, 2);
    }
    return normalizeVector(vector);
  }
}
