import { randomUUID } from 'node:crypto';
import { normalizeVector } from '../embedders/embedder.js';
import type { MemoryRecord } from '../memory-store.js';
import { contentHash } from '../text.js';

/**
 * A record as the pipeline hands it to `MemoryStore.insert`: a new id, the hash of `text`, one `create` version at
 * `createdAt`, and no tags, metadata, path, other times, supersession, speaker or episode. `fields` sets the embedding and the
 * creation time, and overrides anything else.
 */
export function memoryRecord(
  bankId: string,
  text: string,
  fields: Pick<MemoryRecord, 'embedding' | 'createdAt'> & Partial<MemoryRecord>,
): MemoryRecord {
  return {
    id: randomUUID(),
    bankId,
    text,
    contentHash: contentHash(text),
    tags: [],
    metadata: {},
    path: null,
    occurredAt: null,
    expiresAt: null,
    supersedes: null,
    speaker: null,
    episodeId: null,
    documentId: null,
    versions: [{ action: 'create', at: fields.createdAt }],
    ...fields,
  };
}

/**
 * A unit vector of `dimensions` on axis `axis`, moved toward the next axis by `tilt`, so that a test controls the
 * similarity of two vectors exactly.
 */
export function axisVector(dimensions: number, axis: number, tilt = 0): Float32Array {
  const v = new Float32Array(dimensions);
  v[axis % dimensions] = 1;
  v[(axis + 1) % dimensions] = tilt;
  return normalizeVector(v);
}
