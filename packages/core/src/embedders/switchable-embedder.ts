import { sameEmbedder } from '../reembed/store-reembedding.js';
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

  /**
   * Runs `reembed` (the store's re-embedding to `next`), then sends every later call to `next`. Meanwhile a write
   * whose vectors the switch made stale can wait for it (replacedSince) and embed again.
   */
  async switchTo<T>(next: Embedder, reembed: () => Promise<T>): Promise<T> {
    const switching = reembed().then((result) => {
      this.current = next;
      return result;
    });
    this.switching = switching.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await switching;
    } finally {
      this.switching = undefined;
    }
  }

  /** Whether `used` is no longer the embedder calls go to, once a switch in progress has ended. */
  async replacedSince(used: { name: string; dimensions: number }): Promise<boolean> {
    await this.switching;
    return !sameEmbedder(used, this);
  }

  private switching: Promise<void> | undefined;
}
