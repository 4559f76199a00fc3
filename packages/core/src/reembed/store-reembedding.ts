import { ReembedInProgressError } from '../errors.js';
import type { EmbedderInfo } from '../memory-store.js';

/** A live memory whose vector a re-embedding has yet to compute; the embedder is given its speaker line. */
export interface ReembedItem {
  bankId: string;
  id: string;
  text: string;
  speaker: string | null;
}

/** A new vector for a live memory, computed by the re-embedding's target embedder. */
export interface StagedVector {
  bankId: string;
  id: string;
  embedding: Float32Array;
}

/** What the store records about a re-embedding: its target (null when none is in progress) and how far it got. */
export interface ReembedState {
  /** The embedder the store holds vectors of now. */
  current: EmbedderInfo;
  /** The embedder being re-embedded to, or null. */
  target: EmbedderInfo | null;
  /** Live memories with a staged vector of the target. */
  staged: number;
  /** Live memories of the store. */
  total: number;
}

/**
 * The part of a MemoryStore that re-embeds: new vectors are staged in the store beside the old ones (which recall
 * keeps using), keyed by memory, under a recorded target embedder, so that any process can continue an interrupted
 * run; `switchTo` then replaces the old vectors and the recorded embedder in one transaction. A memory erased or
 * superseded meanwhile loses its staged vector with everything else.
 */
export interface StoreReembedding {
  /** The recorded embedder, the target in progress and the counts, read fresh from the store. */
  state(): Promise<ReembedState>;

  /**
   * Records `target` as the embedder vectors are being staged for; a no-op when it is the one in progress. Throws
   * ReembedInProgressError when another target is in progress.
   */
  begin(target: EmbedderInfo): Promise<void>;

  /**
   * Live memories of every bank without a staged vector, after `cursor` (null: from the start), at most `limit`, in
   * an order the store can resume cheaply; `cursor` of the answer is null once the end is reached.
   */
  pending(cursor: string | null, limit: number): Promise<{ items: ReembedItem[]; cursor: string | null }>;

  /**
   * Stores the new vectors of `target` in one transaction, replacing any staged before; vectors of memories erased
   * meanwhile are dropped. Throws ReembedInProgressError unless `target` is the one in progress.
   */
  stage(target: EmbedderInfo, vectors: StagedVector[]): Promise<void>;

  /**
   * In one transaction that holds back the store's writers (of every process): gives `embedMissing` the live memories
   * still without a staged vector (those written since they were last looked for), stages what it returns, then
   * replaces every memory's vector with its staged one, rebuilds the vector index for the new dimension and records
   * `target` as the store's embedder. Afterwards the store refuses the old embedder's vectors and queries.
   */
  switchTo(target: EmbedderInfo, embedMissing: (items: ReembedItem[]) => Promise<Float32Array[]>): Promise<void>;

  /** Drops the staged vectors and the target in progress; the store keeps its embedder and vectors. */
  cancel(): Promise<void>;
}

/** Whether two embedder records name the same model and dimension. */
export function sameEmbedder(a: EmbedderInfo, b: EmbedderInfo): boolean {
  return a.name === b.name && a.dimensions === b.dimensions;
}

/** Throws ReembedInProgressError unless `target` is the re-embedding in progress (a store passes what it recorded). */
export function checkReembedTarget(inProgress: EmbedderInfo | null, target: EmbedderInfo): void {
  if (inProgress === null || !sameEmbedder(inProgress, target)) throw new ReembedInProgressError(inProgress, target);
}
