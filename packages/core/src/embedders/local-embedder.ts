import { DEFAULTS } from '../defaults.js';
import { OPTION_KEYS } from '../option-keys.js';
import { INVISIBLE, isNegation, stem, words } from '../text.js';
import { TimeSlicer } from '../time-slicer.js';
import { checkInteger, checkKnownKeys } from '../validation.js';
import { type Embedder, normalizeVector } from './embedder.js';

// FNV-1a: fast, stable across platforms and releases, which a stored vector space depends on. A feature is its kind's
// prefix ("w:", "c:", ...) followed by its text; hashing continues from the prefix's state over the text's characters,
// so no feature string is built (the same hashes as of the concatenated string, allocation-free).
const FNV_OFFSET = 0x811c9dc5;

function fnv1a(hash: number, text: string, from = 0, to = text.length): number {
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}

const WORD = fnv1a(FNV_OFFSET, 'w:');
const STEM = fnv1a(FNV_OFFSET, 's:');
const PAIR = fnv1a(FNV_OFFSET, 'b:');
const TRIGRAM = fnv1a(FNV_OFFSET, 'c:');
const RAW = fnv1a(FNV_OFFSET, 'r:');

// A word as local-hash-v1 has always read it: a combining mark ends it ("चाय" is "च" and "य", "İzmir" is "i" and
// "zmir"). Core's words keep marks; reading them so here would move every stored vector of such text under the same
// embedder name (that change needs a new name and a re-embed).
const HASHED_WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

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
    checkKnownKeys(options, OPTION_KEYS.localEmbedder, '', 'an option of the local embedder');
    this.dimensions = checkInteger(options.dimensions, 'dimensions', 32, 4096, DEFAULTS.embedding.localDimensions);
    // The name is what a store records and checks: any change of the features, hashes or weights below changes the
    // vectors, and must change the name (local-hash-v2), or stores written before open without a mismatch and their
    // vectors no longer lie near new ones (3e1c704 did so; the stores' migrations re-embed what it left behind).
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
    const add = (hash: number, weight: number) => {
      const at = (hash >>> 0) % this.dimensions;
      // The sign bit spreads collisions around zero instead of piling them up.
      vector[at] = (vector[at] as number) + (hash < 0 ? -weight : weight);
    };
    const tokens = words(text, HASHED_WORD);
    let previous: string | undefined;
    for (const word of tokens) {
      const stemmed = stem(word);
      // Negations and numbers are few in a text but decide what it means: they weigh enough that "not allergic"
      // or "4 cats" never passes for a near-duplicate of "allergic" or "3 cats".
      const weight = isNegation(word) || /\d/.test(word) ? 2 : 1;
      add(fnv1a(WORD, word), weight);
      add(fnv1a(STEM, stemmed), weight);
      if (previous) add(fnv1a(fnv1a(fnv1a(PAIR, previous), ' '), stemmed), 0.5);
      previous = stemmed;
      const padded = `<${stemmed}>`;
      const trigramWeight = 1 / Math.max(1, padded.length - 2);
      for (let i = 0; i + 3 <= padded.length; i++) add(fnv1a(TRIGRAM, padded, i, i + 3), trigramWeight);
    }
    // Identifiers keep their exact form (ABC123 is not abc123, mc² is not mc2, iOS is not IOS), which the word
    // features fold away; plain words in capitals (WIFI) are the same word.
    for (const token of text
      .replace(INVISIBLE, '')
      .normalize('NFC')
      .match(/[\p{L}\p{N}]+/gu) ?? []) {
      if (/\p{N}|\p{Ll}\p{Lu}/u.test(token) || token.normalize('NFKC') !== token) add(fnv1a(RAW, token), 2);
    }
    return normalizeVector(vector);
  }
}
