import type { ErrorCode } from '../error-codes.js';
import type { EmbedderInfo, StoreDescription } from '../memory-store.js';
import type { LastFailure } from './failure-log.js';

/** The store's side of a health report: what it said about itself, or why it could not be asked. */
export type StoreHealth =
  | ({ reachable: true } & Nullable<Omit<StoreDescription, 'embedder' | 'counts' | 'file'>>)
  | { reachable: false; error: { code: ErrorCode | null; message: string } };

// A store without `describe` answers counts only: the rest is unknown.
type Nullable<T> = { [K in keyof T]: T[K] | null };

/** A re-embedding left in progress: the model it moves to, and how many live memories have its vector staged. */
export interface ReembeddingInProgress {
  target: EmbedderInfo;
  staged: number;
  total: number;
}

/** What `brain.health()` returns; it never throws for a sick store, it reports. */
export interface HealthReport {
  /** True when the store answered and holds the configured embedder's vectors (or says nothing of its embedder). */
  ok: boolean;
  checkedAt: Date;
  /** The store's backend name: `sqlite`, `postgres`, `memory`. */
  backend: string;
  store: StoreHealth;
  embedder: {
    /** The embedder this brain embeds with. */
    configured: EmbedderInfo;
    /** The embedder the store records; null when none is, or when the store could not be asked. */
    recorded: EmbedderInfo | null;
    /** Whether they are the same; null when there is no record to compare. */
    matches: boolean | null;
  };
  /**
   * A re-embedding in progress in the store, by any process (`astrocyte reembed` continues or cancels it); null when
   * none is, or when the store cannot say.
   */
  reembedding: ReembeddingInProgress | null;
  /** Live memories and banks; null when the store could not be asked. */
  counts: { memories: number; banks: number } | null;
  /** The last failure of an operation of this brain (a caller's invalid input, unknown id or policy refusal aside). */
  lastError: LastFailure | null;
}
