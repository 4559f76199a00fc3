import type { Embedder } from '../embedders/embedder.js';
import { LocalEmbedder } from '../embedders/local-embedder.js';
import type { EmbeddingConfig } from './config-schema.js';

/** The embedder a config names; provider packages are imported only when chosen. */
export async function createEmbedder(config: EmbeddingConfig): Promise<Embedder> {
  switch (config.provider) {
    case 'local':
      return new LocalEmbedder({ dimensions: config.dimensions });
    case 'openai': {
      const { OpenAIEmbedder } = await import('../embedders/openai-embedder.js');
      return OpenAIEmbedder.fromConfig(config);
    }
  }
}
