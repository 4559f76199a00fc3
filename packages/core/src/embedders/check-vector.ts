import { ValidationError } from '../errors.js';

/**
 * Throws a ValidationError naming `field` unless `vector` is a Float32Array of `dimensions` finite numbers: what every
 * store asks of a record's vector, a query's and a re-embedding's. A NaN or infinite component makes every distance
 * NaN (a memory no search finds, a query that ranks nothing); Postgres refuses it with a storage error of its own.
 */
export function checkVector(vector: unknown, dimensions: number, field: string): asserts vector is Float32Array {
  if (!(vector instanceof Float32Array)) throw new ValidationError(field, 'must be a Float32Array');
  if (vector.length !== dimensions)
    throw new ValidationError(field, `has ${vector.length} dimensions; the store's embedder has ${dimensions}`);
  if (!vector.every(Number.isFinite)) throw new ValidationError(field, 'must hold finite numbers only');
}
