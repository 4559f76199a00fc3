import type { Embedder } from './embedder.js';

/**
 * The brain's embedder, which a re-embedding replaces while the brain is in use: the pipelines hold this one object,
 * and each call goes to the embedder current at that moment.
 */
export class SwitchableEmbedder implements Embedder {
  constructor(private current: Embedder) {}

  get name(): string {
    return this.current.name;
  }

  get dimensions(): number {
    return this.current.dimensions;
  }

  /** Embeds with the current embedder. */
  embed(texts: string[], options?: { purpose?: 'document' | 'query'; signal?: AbortSignal }): Promise<Float32Array[]> {
    return this.current.embed(texts, options);
  }

  /** Sends every later call to `next`. */
  use(next: Embedder): void {
    this.current = next;
  }
}
