import { ValidationError } from '@astrocyte/core';

/** Throws a ValidationError unless `embedding` is a Float32Array of the store's dimension. */
export function checkEmbedding(embedding: unknown, dimensions: number, field: string): void {
  if (!(embedding instanceof Float32Array)) throw new ValidationError(field, 'must be a Float32Array');
  if (embedding.length !== dimensions)
    throw new ValidationError(field, `has ${embedding.length} dimensions; the store's embedder has ${dimensions}`);
  // As Postgres refuses them: a NaN or infinite component makes every distance NaN, a vector no search finds.
  if (!embedding.every(Number.isFinite)) throw new ValidationError(field, 'must hold finite numbers only');
}

/** A vector as the float32 blob it is stored as. A view over part of a larger buffer must not leak its neighbours. */
export function vectorBlob(embedding: Float32Array): Buffer {
  return Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength);
}

/** A stored float32 vector blob as a Float32Array (copied when the blob is not 4-byte aligned). */
export function floats(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  return new Float32Array(new Uint8Array(blob).buffer);
}
