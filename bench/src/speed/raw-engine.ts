/** One hit of a raw engine query: what a hand-written query returns to an application (id and text). */
export interface RawHit {
  id: string;
  text: string;
  score: number;
}

/**
 * The same searches the pipeline runs, written by hand against the engine with nothing around them: the baseline
 * that the pipeline's recall is divided by. Vectors are embedded before timing starts.
 */
export interface RawEngine {
  readonly name: string;
  /** k nearest memories of the bank by cosine distance. */
  vector(bankId: string, embedding: Float32Array, k: number): Promise<RawHit[]>;
  /** The true k nearest memories of the bank, by a full scan: what the store's vector search is scored against. */
  exactVector(bankId: string, embedding: Float32Array, k: number): Promise<RawHit[]>;
  /** Memories of the bank matching any term, best engine rank first. */
  keyword(bankId: string, terms: string[], k: number): Promise<RawHit[]>;
  close(): Promise<void>;
}

/** Both searches of a hybrid recall, issued as the pipeline issues them (concurrently). */
export async function rawHybrid(
  engine: RawEngine,
  bankId: string,
  embedding: Float32Array,
  terms: string[],
  k: number,
): Promise<RawHit[][]> {
  return Promise.all([engine.vector(bankId, embedding, k), terms.length > 0 ? engine.keyword(bankId, terms, k) : []]);
}
