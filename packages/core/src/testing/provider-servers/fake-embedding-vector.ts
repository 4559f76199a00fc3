import { normalizeVector } from '../../embedders/embedder.js';
import { LocalEmbedder } from '../../embedders/local-embedder.js';

const embedders = new Map<number, LocalEmbedder>();

/**
 * The vector the fake server returns for `text`: deterministic and unit length. From 32 dimensions up it is the
 * local embedder's vector, so recall through a fake "OpenAI" model still ranks related memories first.
 */
export function fakeEmbeddingVector(text: string, dimensions: number): Float32Array {
  if (dimensions >= 32 && dimensions <= 4096) {
    let embedder = embedders.get(dimensions);
    if (!embedder) {
      embedder = new LocalEmbedder({ dimensions });
      embedders.set(dimensions, embedder);
    }
    return embedder.embedOne(text);
  }
  // Tiny or huge sizes: a seeded sequence, deterministic but meaningless.
  const vector = new Float32Array(dimensions);
  let seed = 2166136261;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619);
  for (let i = 0; i < dimensions; i++) {
    seed = Math.imul(seed ^ (seed >>> 15), 2246822507) ^ i;
    vector[i] = ((seed >>> 0) / 0xffffffff) * 2 - 1;
  }
  return normalizeVector(vector);
}

/** A vector as OpenAI's `encoding_format: base64` sends it: little-endian float32 bytes. */
export function float32Base64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}
