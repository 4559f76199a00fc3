import { ValidationError } from '../errors.js';
import type { EmbedderInfo, MemoryRecord } from '../memory-store.js';
import {
  checkReembedTarget,
  type ReembedItem,
  type ReembedState,
  type StagedVector,
  type StoreReembedding,
} from '../reembed/store-reembedding.js';

/** A live memory as the in-memory store keeps it, with the vector a re-embedding staged for it. */
export interface ReembedRow {
  record: MemoryRecord;
  seq: number;
  staged?: Float32Array;
}

/**
 * Re-embedding for the in-memory store: staged vectors ride on the live rows, so erasing or superseding a memory
 * drops its staged vector with it; the switch swaps them in at once.
 */
export class InMemoryReembedding implements StoreReembedding {
  private target: EmbedderInfo | null = null;

  constructor(
    private readonly rows: Map<string, ReembedRow>,
    private readonly embedder: { get(): EmbedderInfo; set(info: EmbedderInfo): void },
    /** Throws once the store is closed. */
    private readonly assertOpen: () => void,
  ) {}

  /** The recorded embedder, the target and the counts. */
  async state(): Promise<ReembedState> {
    this.assertOpen();
    const rows = [...this.rows.values()];
    return {
      current: { ...this.embedder.get() },
      target: this.target ? { ...this.target } : null,
      staged: rows.filter((row) => row.staged).length,
      total: rows.length,
    };
  }

  /** Records the target, unless another is in progress. */
  async begin(target: EmbedderInfo): Promise<void> {
    this.assertOpen();
    if (this.target) checkReembedTarget(this.target, target);
    this.target = { name: target.name, dimensions: target.dimensions };
  }

  /** Rows without a staged vector, in insertion order; the cursor is the last row's sequence number. */
  async pending(cursor: string | null, limit: number): Promise<{ items: ReembedItem[]; cursor: string | null }> {
    this.assertOpen();
    const after = cursor === null ? -1 : Number(cursor);
    const rows = this.unstaged().filter((row) => row.seq > after);
    const page = rows.slice(0, limit);
    return { items: page.map(itemOf), cursor: rows.length > page.length ? String(page.at(-1)?.seq) : null };
  }

  /** Sets the staged vectors of the rows still live. */
  async stage(target: EmbedderInfo, vectors: StagedVector[]): Promise<void> {
    this.assertOpen();
    checkReembedTarget(this.target, target);
    for (const [i, vector] of vectors.entries()) checkDimensions(vector.embedding, target, `vectors[${i}].embedding`);
    for (const vector of vectors) {
      const row = this.rows.get(vector.id);
      if (row && row.record.bankId === vector.bankId) row.staged = vector.embedding;
    }
  }

  /** Stages what is missing, then swaps every row's vector for its staged one and records the target. */
  async switchTo(target: EmbedderInfo, embedMissing: (items: ReembedItem[]) => Promise<Float32Array[]>): Promise<void> {
    this.assertOpen();
    checkReembedTarget(this.target, target);
    // Memories retained while the missing ones were embedded are missing too: the swap waits until none is.
    for (;;) {
      // Read synchronously before the swap: no insert can come between the last check and the swap.
      const missing = this.unstaged().map(itemOf);
      if (missing.length === 0) break;
      const vectors = await embedMissing(missing);
      await this.stage(
        target,
        missing.map((item, i) => ({ bankId: item.bankId, id: item.id, embedding: vectors[i] as Float32Array })),
      );
    }
    for (const row of this.rows.values()) {
      row.record.embedding = row.staged as Float32Array;
      delete row.staged;
    }
    this.embedder.set({ name: target.name, dimensions: target.dimensions });
    this.target = null;
  }

  // Live rows without a staged vector, in insertion order.
  private unstaged(): ReembedRow[] {
    return [...this.rows.values()].filter((row) => !row.staged).sort((a, b) => a.seq - b.seq);
  }

  /** Drops the staged vectors and the target. */
  async cancel(): Promise<void> {
    this.assertOpen();
    for (const row of this.rows.values()) delete row.staged;
    this.target = null;
  }
}

function itemOf({ record }: ReembedRow): ReembedItem {
  return { bankId: record.bankId, id: record.id, text: record.text, speaker: record.speaker };
}

function checkDimensions(embedding: Float32Array, target: EmbedderInfo, field: string): void {
  if (!(embedding instanceof Float32Array) || embedding.length !== target.dimensions)
    throw new ValidationError(field, `must be a Float32Array of ${target.dimensions} dimensions`);
}
