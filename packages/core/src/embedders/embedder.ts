/** Turns text into vectors. `name` and `dimensions` are recorded by the store to refuse a mix of models. */
export interface Embedder {
  readonly name: string;
  readonly dimensions: number;
  /** One vector per text, L2-normalized, in input order. `purpose` lets providers treat queries differently. */
  embed(texts: string[], options?: { purpose?: 'document' | 'query'; signal?: AbortSignal }): Promise<Float32Array[]>;
}

/** Cosine similarity of two L2-normalized vectors. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}

/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalizeVector(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}
