/** A vector as the float32 blob it is stored as. A view over part of a larger buffer must not leak its neighbours. */
export function vectorBlob(embedding: Float32Array): Buffer {
  return Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength);
}

/** A stored float32 vector blob as a Float32Array (copied when the blob is not 4-byte aligned). */
export function floats(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  return new Float32Array(new Uint8Array(blob).buffer);
}
