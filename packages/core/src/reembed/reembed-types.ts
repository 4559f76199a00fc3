import type { EmbedderInfo } from '../memory-store.js';

/** What `brain.reembed` is given. */
export interface ReembedOptions {
  /**
   * The new model: an `embedding:` section exactly as in astrocyte.yaml (snake_case keys, `${VAR}` read from the
   * environment), e.g. `{ provider: 'openai', model: 'text-embedding-3-small', dimensions: 256 }`.
   */
  to: unknown;
  /** Memories embedded per request and staged per transaction; default 256. */
  batchSize?: number;
  /**
   * Stops the run after the request in flight, rejecting with the signal's reason; what is staged stays in the store,
   * and a later call with the same `to` continues from there.
   */
  signal?: AbortSignal;
  /** Called after each batch is staged, and once before the switch; a promise it returns is awaited. */
  onProgress?: (progress: ReembedProgress) => void | Promise<void>;
}

/** How far a re-embedding has got. */
export interface ReembedProgress {
  /** `embedding` while vectors are computed and staged; `switching` for the final transaction. */
  phase: 'embedding' | 'switching';
  /** Live memories holding a staged vector of the new model, counting those staged by interrupted runs. */
  staged: number;
  /** Live memories of the store (memories retained meanwhile raise it). */
  total: number;
  /** Vectors this run computed so far. */
  embedded: number;
}

/** What a finished re-embedding did. */
export interface ReembedResult {
  /** The embedder the store held before. */
  from: EmbedderInfo;
  /** The embedder it holds now, which the config must name from now on. */
  to: EmbedderInfo;
  /** Vectors this run computed; the rest were staged by interrupted runs. */
  embedded: number;
  /** Live memories of the store, each with exactly one vector of the new model. */
  memories: number;
  /** Whether this run continued an interrupted one. */
  resumed: boolean;
}
